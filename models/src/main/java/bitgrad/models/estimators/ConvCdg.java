package bitgrad.models.estimators;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.Nd;
import bitgrad.models.images.ImageSet;
import bitgrad.models.nets.Forward;
import bitgrad.models.nets.ResNet;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.schemas.ParamSet;
import java.util.function.IntConsumer;

/**
 * CDG and STE for one binary conv of the thin XNOR-ResNet, on one fixed image batch.
 *
 * <p>CDG perturbs chosen coordinates of conv {@code j}'s weight by {@code +-eps}. The network
 * before the conv runs once; a perturbed coordinate changes one output channel, so a chunk of
 * G perturbed copies costs one conv with G filters, a channel replacement, and one batched
 * evaluation of the rest of the network over the G copies stacked along the batch axis.
 *
 * @param eps finite-difference step, > 0
 */
public record ConvCdg(double eps) {

    /** Floats one stacked activation tensor may hold (system property {@code bitgrad.convChunkFloats}). */
    public static final long CHUNK_FLOATS = Long.getLong("bitgrad.convChunkFloats", 1L << 24);

    public ConvCdg {
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("CDG eps must be a positive number, got " + eps);
        }
    }

    /** Perturbed copies (even: both signs of each coordinate) evaluated together for conv {@code j} at batch {@code rows}. */
    public static int copiesPerChunk(ResNetSpec spec, int j, int rows) {
        long per = (long) rows * spec.convShape(j)[0] * ResNetSpec.outSide(j) * ResNetSpec.outSide(j);
        return (int) Math.max(2, Math.min(512, CHUNK_FLOATS / per) & ~1L);
    }

    /**
     * CDG of the loss on {@code batch} with respect to the flat coordinates {@code coords} of
     * binary conv {@code j}'s weight; {@code progress} gets the number of coordinates done.
     */
    public float[] estimate(ResNet net, ParamSet point, ImageSet batch, int j, int[] coords, IntConsumer progress) {
        ResNetSpec spec = net.spec();
        long[] shape = spec.convShape(j);
        int cout = (int) shape[0];
        int row = (int) (shape[1] * 9);
        float[] w = point.get(net.indexOf(ResNet.convName(j))).data();
        int perChunk = copiesPerChunk(spec, j, batch.count()) / 2;
        float[] g = new float[coords.length];
        try (NDManager m = NDManager.newBaseManager(); NDScope outer = new NDScope()) {
            outer.suppressNotUsedWarning();
            NDList ps = Nd.toNd(m, point);
            NDList in = ResNet.inputs(m, batch);
            NDArray y = in.get(1);
            ResNet.Prefix pre = net.prefix(ps, in.get(0), j);
            for (int c0 = 0; c0 < coords.length; c0 += perChunk) {
                int k = Math.min(perChunk, coords.length - c0);
                int copies = 2 * k;
                float[] filters = new float[copies * row];
                float[] mask = new float[copies * cout];
                for (int i = 0; i < copies; i++) {
                    int coord = coords[c0 + i % k];
                    int o = coord / row;
                    System.arraycopy(w, o * row, filters, i * row, row);
                    filters[i * row + coord % row] += (float) (i < k ? eps : -eps);
                    mask[i * cout + o] = 1;
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    NDArray f = Nd.create(m, filters, new Shape(copies, shape[1], 3, 3));
                    NDArray mk = Nd.create(m, mask, new Shape(copies, 1, cout, 1, 1));
                    NDArray cols = net.convWithFilters(pre.convIn(), f, ResNet.convStride(j)).transpose(1, 0, 2, 3).expandDims(2);
                    NDArray base = pre.output().expandDims(0);
                    NDArray out = base.sub(base.mul(mk)).add(cols.mul(mk));
                    Shape s = out.getShape();
                    out = out.reshape(copies * s.get(1), s.get(2), s.get(3), s.get(4));
                    float[] losses = ResNet.copyLosses(net.suffix(ps, j, out, pre.shortcut(), copies), y, copies).toFloatArray();
                    for (int i = 0; i < k; i++) {
                        g[c0 + i] = (float) (((double) losses[i] - losses[k + i]) / (2 * eps));
                    }
                }
                progress.accept(c0 + k);
            }
        }
        return g;
    }

    /** The STE gradient of the loss on {@code batch} with respect to binary conv {@code j}'s whole weight (flat). */
    public static float[] ste(ResNet net, ParamSet point, ImageSet batch, int j) {
        float[][] g = Autograd.gradientOf(point, ps -> {
            NDList in = ResNet.inputs(ps.get(0).getManager(), batch);
            return net.loss(ps, in.get(0), in.get(1), Forward.STE);
        });
        return g[net.indexOf(ResNet.convName(j))];
    }

    /** The loss on {@code batch}, exact forward. */
    public static double loss(ResNet net, ParamSet point, ImageSet batch) {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList ps = Nd.toNd(m, point);
            NDList in = ResNet.inputs(m, batch);
            return net.loss(ps, in.get(0), in.get(1), Forward.EXACT).getFloat();
        }
    }

    /** {@code want} coordinates of {@code total} drawn without replacement from {@code seed}, sorted (all when want is 0 or >= total). */
    public static int[] sampleCoordinates(int total, int want, long seed) {
        int[] all = new int[total];
        java.util.Arrays.setAll(all, i -> i);
        if (want <= 0 || want >= total) {
            return all;
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        for (int i = 0; i < want; i++) {
            int j = i + r.nextInt(total - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        int[] out = java.util.Arrays.copyOf(all, want);
        java.util.Arrays.sort(out);
        return out;
    }

}
