package bitgrad.transforms;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.ConvCdg;
import bitgrad.models.images.ImageSet;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.ResNet;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Stage {@code resnet-grad}: STE and CDG gradients of one binary conv's weights of a pretrained
 * thin XNOR-ResNet on one image batch, {@code gradients.arrow} (flat coordinate, STE, CDG), for
 * all coordinates or a seeded sample. Inputs {@code data}, {@code model}; parameters
 * {@code model, layer} (1-based binary conv), {@code eps, coords} (0: all), {@code grad_batch, seed}.
 */
public final class ResNetGrad extends StageTransform {

    /** Stage name. */
    public static final String NAME = "resnet-grad";

    /** Output file. */
    public static final String FILE = "gradients.arrow";

    public ResNetGrad(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new ResNetGradFn(store, force);
    }

    /** {@code want} coordinates of {@code total} drawn without replacement from {@code seed}, sorted (all when want is 0 or >= total). */
    public static int[] sample(int total, int want, long seed) {
        int[] all = new int[total];
        Arrays.setAll(all, i -> i);
        if (want <= 0 || want >= total) {
            return all;
        }
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < want; i++) {
            int j = i + r.nextInt(total - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] out = Arrays.copyOf(all, want);
        Arrays.sort(out);
        return out;
    }

    static final class ResNetGradFn extends StageFn {
        ResNetGradFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            ResNet net = new ResNet(ResNetPretrain.spec(task.param("model")));
            int layer = task.param("layer").asInt();
            int j = layer - 1;
            long seed = task.param("seed").asLong();
            ImageSet data = ImageData.read(this, task.input("data"));
            ImageSet batch = data.select(sample(data.count(), task.param("grad_batch").asInt(), Seeds.derive(seed, "batch")));
            var weights = readParams(task.input("model"), "weights.arrow");
            int total = weights.get(net.indexOf(ResNet.convName(j))).size();
            int[] coords = sample(total, task.param("coords").asInt(), Seeds.derive(seed, "coords"));
            double eps = task.param("eps").asDouble();
            float[] ste = ConvCdg.ste(net, weights, batch, j);
            String what = String.format(Locale.ROOT, "channels=%d binary_weights=%b layer=%d eps=%s", net.spec().channels(),
                    net.spec().binaryWeights(), layer, eps);
            int[] nextNote = {Math.max(1, coords.length / 10)};
            long t0 = System.nanoTime();
            float[] cdg = new ConvCdg(eps).estimate(net, weights, batch, j, coords, done -> {
                if (done >= nextNote[0] && done < coords.length) {
                    double s = (System.nanoTime() - t0) / 1e9;
                    Progress.note(NAME, String.format(Locale.ROOT, "%s coords %d/%d (%.0f coords/s)", what, done, coords.length, done / s));
                    nextNote[0] += Math.max(1, coords.length / 10);
                }
            });
            double cdgSeconds = (System.nanoTime() - t0) / 1e9;
            ColumnTable t = new ColumnTable("resnet_gradients", "coord", ColumnType.LONG, "ste", ColumnType.DOUBLE, "cdg",
                    ColumnType.DOUBLE);
            float[] stePicked = new float[coords.length];
            for (int i = 0; i < coords.length; i++) {
                stePicked[i] = ste[coords[i]];
                t.add((long) coords[i], (double) ste[coords[i]], (double) cdg[i]);
            }
            ArrowFiles.write(out.file(FILE), t);
            double cos = Gradients.cosine(stePicked, cdg);
            info.put("cosine", cos);
            info.put("coords", coords.length);
            info.put("coords_total", total);
            info.put("cdg_coords_per_second", coords.length / cdgSeconds);
            return String.format(Locale.ROOT, "%s coords=%d/%d cosine=%.4f", what, coords.length, total, cos);
        }
    }
}
