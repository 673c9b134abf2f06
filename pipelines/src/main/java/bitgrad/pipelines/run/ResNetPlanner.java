package bitgrad.pipelines.run;

import bitgrad.models.nets.ResNetSpec;
import bitgrad.models.quant.Quantizer;
import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.transforms.ImageDataStage;
import bitgrad.transforms.ResNetGradStage;
import bitgrad.transforms.ResNetPretrainStage;
import bitgrad.transforms.Stages;
import bitgrad.transforms.TaskRef;
import java.util.List;
import java.util.Map;

/** The tasks of section {@code resnet}: image data, one pretraining per (channels, weight case), one gradient comparison per (model, layer, eps). */
final class ResNetPlanner {

    private ResNetPlanner() {
    }

    /** Plans them when the section is enabled. */
    static void plan(StagePlanner.Context ctx) {
        ExperimentConfig c = ctx.config();
        ExperimentConfig.Resnet r = c.resnet();
        if (!r.enabled()) {
            return;
        }
        String cifar = c.data().cifar10();
        TaskRef data = ctx.add(Stages.IMAGE_DATA, cifar.isEmpty()
                ? new ImageDataStage.Params("synthetic", null, r.images(), ctx.seed("images"))
                : new ImageDataStage.Params("cifar10", java.nio.file.Path.of(cifar).toAbsolutePath().normalize().toString(), r.images(),
                        null), Map.of());
        for (int ch : r.channels()) {
            for (boolean bw : r.binaryWeights()) {
                ResNetSpec model = new ResNetSpec(ch, Quantizer.parse(r.activation()), bw);
                String kind = bw ? "binary" : "fp";
                TaskRef pre = ctx.add(Stages.RESNET_PRETRAIN, new ResNetPretrainStage.Params(model, r.optimizer(), r.lr(), r.steps(), r.batch(),
                        ctx.seed("resnet-init", ch, kind), ctx.seed("resnet-pretrain", ch, kind)),
                        Map.of("data", List.of(data)));
                for (int layer : r.layers()) {
                    for (double eps : c.estimators().cdg().eps()) {
                        ctx.add(Stages.RESNET_GRAD, new ResNetGradStage.Params(model, layer, eps, c.estimators().cdg().coords(), r.gradBatch(),
                                ctx.seed("resnet-grad", ch, kind, layer)), Map.of("data", List.of(data), "model", List.of(pre)));
                    }
                }
            }
        }
    }
}
