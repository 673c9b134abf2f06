package bitgrad.transforms;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.ConvCdg;
import bitgrad.models.images.ImageSet;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.ResNet;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.List;
import java.util.Locale;

/**
 * Stage {@code resnet-grad}: STE and CDG gradients of one binary conv's weights of a pretrained
 * thin XNOR-ResNet on one image batch, for all coordinates or a seeded sample. Inputs
 * {@code data}, {@code model}.
 */
public final class ResNetGradStage extends Stage<ResNetGradStage.Params> {

    /**
     * @param model channels, activation and weight kind
     * @param layer 1-based index of the binary conv
     * @param eps CDG step
     * @param coords coordinates sampled (0: all)
     * @param gradBatch images in the gradient batch
     * @param seed seed of the batch and coordinate draws
     */
    public record Params(ResNetSpec model, int layer, double eps, int coords, int gradBatch, long seed) {
    }

    /** STE and CDG per sampled coordinate. */
    public static final Output GRADIENTS = new Output("gradients.arrow", Tables.RESNET_GRADIENTS);

    public ResNetGradStage() {
        super("resnet-grad", 2, Params.class, GRADIENTS);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        ResNet net = new ResNet(p.model());
        int j = p.layer() - 1;
        ImageSet data = ImageDataStage.read(c, c.input("data"));
        ImageSet batch = data.select(ConvCdg.sampleCoordinates(data.count(), p.gradBatch(), Seeds.derive(p.seed(), "batch")));
        var weights = c.readParams(c.input("model"), ResNetPretrainStage.WEIGHTS);
        int total = weights.get(net.indexOf(ResNet.convName(j))).size();
        int[] coords = ConvCdg.sampleCoordinates(total, p.coords(), Seeds.derive(p.seed(), "coords"));
        float[] ste = ConvCdg.ste(net, weights, batch, j);
        String what = String.format(Locale.ROOT, "channels=%d binary_weights=%b layer=%d eps=%s", net.spec().channels(),
                net.spec().binaryWeights(), p.layer(), p.eps());
        int[] nextNote = {Math.max(1, coords.length / 10)};
        long t0 = System.nanoTime();
        float[] cdg = new ConvCdg(p.eps()).estimate(net, weights, batch, j, coords, done -> {
            if (done >= nextNote[0] && done < coords.length) {
                double s = (System.nanoTime() - t0) / 1e9;
                Progress.note(name(), String.format(Locale.ROOT, "%s coords %d/%d (%.0f coords/s)", what, done, coords.length, done / s));
                nextNote[0] += Math.max(1, coords.length / 10);
            }
        });
        double cdgSeconds = (System.nanoTime() - t0) / 1e9;
        ColumnTable t = Tables.RESNET_GRADIENTS.empty();
        float[] stePicked = new float[coords.length];
        for (int i = 0; i < coords.length; i++) {
            stePicked[i] = ste[coords[i]];
            t.add((long) coords[i], (double) ste[coords[i]], (double) cdg[i]);
        }
        c.write(GRADIENTS, t);
        double cos = Gradients.cosine(stePicked, cdg);
        c.info("cosine", cos);
        c.info("coords", coords.length);
        c.info("coords_total", total);
        c.info("cdg_coords_per_second", coords.length / cdgSeconds);
        return String.format(Locale.ROOT, "%s coords=%d/%d cosine=%.4f", what, coords.length, total, cos);
    }
}
