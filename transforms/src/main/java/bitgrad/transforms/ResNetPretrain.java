package bitgrad.transforms;

import bitgrad.models.estimators.ResNetTrainer;
import bitgrad.models.images.ImageSet;
import bitgrad.models.nets.ResNet;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.schemas.CorruptArtifactException;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Schemas;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * Stage {@code resnet-pretrain}: STE training of the thin XNOR-ResNet from a seeded
 * initialisation, {@code weights.arrow} and {@code curve.arrow} (step, loss, accuracy on the
 * step's batch). Every 5% of the steps the full training state (weights, Adam moments, curve)
 * is written to the store's checkpoint folder; a rerun after a crash resumes from it and ends
 * with the same weights as an uninterrupted run. Input {@code data}; parameters
 * {@code model {channels, activation, binary_weights}, optimizer, lr, steps, batch, init_seed, seed}.
 */
public final class ResNetPretrain extends StageTransform {

    /** Stage name. */
    public static final String NAME = "resnet-pretrain";

    public ResNetPretrain(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new ResNetPretrainFn(store, force);
    }

    /** The model shape of task parameters {@code {channels, activation, binary_weights}}. */
    public static ResNetSpec spec(JsonNode n) {
        return new ResNetSpec(n.get("channels").asInt(), Quantizer.parse(n.get("activation").asText()),
                n.get("binary_weights").asBoolean());
    }

    /** A model shape as task parameters. */
    public static ObjectNode spec(ResNetSpec s) {
        return Task.JSON.createObjectNode().put("channels", s.channels()).put("activation", s.activation().name())
                .put("binary_weights", s.binaryWeights());
    }

    static final class ResNetPretrainFn extends StageFn {
        ResNetPretrainFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            ResNet net = new ResNet(spec(task.param("model")));
            ImageSet data = ImageData.read(this, task.input("data"));
            ResNetTrainer trainer = new ResNetTrainer(task.param("optimizer").asText(), task.param("lr").asDouble(),
                    task.param("steps").asInt(), task.param("batch").asInt());
            ParamSet init = net.init(task.param("init_seed").asLong());
            Path checkpoint = store().checkpoint(NAME, task.key());
            ResNetTrainer.State start = resume(checkpoint, init);
            String what = "channels=" + net.spec().channels() + " binary_weights=" + net.spec().binaryWeights();
            if (start.step() > 0) {
                Progress.note(NAME, what + " resuming from the checkpoint at step " + start.step() + "/" + trainer.steps());
                info.put("resumed_from_step", start.step());
            }
            int every = Math.max(1, trainer.steps() / 20);
            ResNetTrainer.State end = trainer.train(net, start, data, task.param("seed").asLong(), every,
                    s -> {
                        save(checkpoint, s);
                        Progress.note(NAME, String.format(Locale.ROOT, "%s step %d/%d loss=%.4f", what, s.step(), trainer.steps(),
                                s.loss()[s.step() - 1]));
                    }, step -> { });
            ArrowFiles.write(out.file("weights.arrow"), Schemas.toTable(end.weights()));
            ColumnTable curve = new ColumnTable("resnet_pretrain_curve", "step", ColumnType.LONG, "loss", ColumnType.DOUBLE,
                    "accuracy", ColumnType.DOUBLE);
            for (int i = 0; i < end.loss().length; i++) {
                curve.add(i, (double) end.loss()[i], (double) end.accuracy()[i]);
            }
            ArrowFiles.write(out.file("curve.arrow"), curve);
            Files.deleteIfExists(checkpoint);
            float last = end.loss().length == 0 ? Float.NaN : end.loss()[end.loss().length - 1];
            info.put("final_loss", last);
            return String.format(Locale.ROOT, "%s steps=%d loss=%.4f", what, trainer.steps(), last);
        }
    }

    /** The training state saved in {@code file}, or the start from {@code init} when there is none (or it is unreadable). */
    static ResNetTrainer.State resume(Path file, ParamSet init) {
        if (!Files.isRegularFile(file)) {
            return ResNetTrainer.State.start(init);
        }
        try {
            ParamSet all = Schemas.toParamSet(ArrowFiles.read(file));
            int n = init.count();
            if (all.count() != 3 * n + 3) {
                throw new CorruptArtifactException("checkpoint " + file + " has " + all.count() + " tensors");
            }
            List<HostTensor> ts = all.tensors();
            ParamSet w = new ParamSet(ts.subList(0, n));
            if (!sameShapes(w, init)) {
                throw new CorruptArtifactException("checkpoint " + file + " is for another model");
            }
            return new ResNetTrainer.State((int) ts.get(3 * n + 2).data()[0], rename(w, init), rename(new ParamSet(ts.subList(n, 2 * n)), init),
                    rename(new ParamSet(ts.subList(2 * n, 3 * n)), init), ts.get(3 * n).data(), ts.get(3 * n + 1).data());
        } catch (IOException | RuntimeException e) {
            Progress.note(NAME, "ignoring an unreadable checkpoint (" + e.getMessage() + "); starting over");
            return ResNetTrainer.State.start(init);
        }
    }

    private static boolean sameShapes(ParamSet a, ParamSet b) {
        for (int t = 0; t < b.count(); t++) {
            if (!java.util.Arrays.equals(a.get(t).shape(), b.get(t).shape())) {
                return false;
            }
        }
        return true;
    }

    private static ParamSet rename(ParamSet p, ParamSet like) {
        return like.map(t -> p.get(t).data());
    }

    /** Writes {@code s} to {@code file} atomically (a temporary file renamed over it). */
    static void save(Path file, ResNetTrainer.State s) {
        List<HostTensor> ts = new ArrayList<>();
        for (String prefix : new String[] {"w:", "m:", "v:"}) {
            ParamSet p = prefix.equals("w:") ? s.weights() : prefix.equals("m:") ? s.m() : s.v();
            p.tensors().forEach(t -> ts.add(new HostTensor(prefix + t.name(), t.shape(), t.data())));
        }
        ts.add(new HostTensor("loss", new long[] {s.loss().length}, s.loss()));
        ts.add(new HostTensor("accuracy", new long[] {s.accuracy().length}, s.accuracy()));
        ts.add(new HostTensor("step", new long[] {1}, new float[] {s.step()}));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
            ArrowFiles.write(tmp, Schemas.toTable(new ParamSet(ts)));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Progress.note(NAME, "could not write the checkpoint " + file + ": " + e.getMessage());
        }
    }
}
