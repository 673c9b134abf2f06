package bitgrad.models.measure;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.Nd;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;

/**
 * The lr sweep of science.md §4: for every learning rate, one step {@code w - lr g} and the
 * loss on the same data. All steps of a chunk are evaluated as stacked copies in one batched
 * forward pass.
 */
public final class LrSweep {

    private LrSweep() {
    }

    /**
     * The loss-decrease curve of one direction.
     *
     * @param lrs the learning rates
     * @param baseLoss {@code L(w)}
     * @param losses {@code L(w - lr g)} per lr
     */
    public record Result(float[] lrs, float baseLoss, float[] losses) {

        /** {@code L(w) - L(w - lr_i g)}: positive means the step went downhill. */
        public float[] decrease() {
            float[] d = new float[lrs.length];
            for (int i = 0; i < d.length; i++) {
                d[i] = baseLoss - losses[i];
            }
            return d;
        }

        /** Index of the largest decrease (the first one on ties; NaN losses never win). */
        public int bestIndex() {
            int best = 0;
            float[] d = decrease();
            for (int i = 1; i < d.length; i++) {
                if (d[i] > d[best] || Float.isNaN(d[best])) {
                    best = i;
                }
            }
            return best;
        }

        /** The largest decrease. */
        public float bestDecrease() {
            return decrease()[bestIndex()];
        }

        /** The learning rate of the largest decrease (see {@link #descends}: it may be no decrease at all). */
        public float bestLr() {
            return lrs[bestIndex()];
        }

        /** True when some learning rate of the grid lowers the loss; false: "no descent" (no best lr to report). */
        public boolean descends() {
            return bestDecrease() > 0;
        }
    }

    /** {@code count} learning rates {@code start, start + step, ...}. */
    public static float[] grid(double start, double step, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("an lr grid needs at least one point, got " + count);
        }
        float[] lrs = new float[count];
        for (int i = 0; i < count; i++) {
            lrs[i] = (float) (start + i * step);
        }
        return lrs;
    }

    /** The researchers' default grid: 1e-4 to 0.1 in steps of 2e-4 when {@code count} is 500. */
    public static float[] defaultGrid(int count) {
        return grid(1e-4, 2e-4, count);
    }

    /** Sweeps {@code lrs} along {@code direction} (usually normalised) from the objective's point. */
    public static Result sweep(Objective objective, ParamSet direction, float[] lrs) {
        ParamSet point = objective.point();
        float base = objective.loss();
        float[] losses = new float[lrs.length];
        int chunk = Math.max(1, objective.copiesPerChunk());
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList w = Nd.toNd(m, point);
            NDList g = Nd.toNd(m, direction);
            for (int c0 = 0; c0 < lrs.length; c0 += chunk) {
                int k = Math.min(chunk, lrs.length - c0);
                float[] part = new float[k];
                System.arraycopy(lrs, c0, part, 0, k);
                try (NDScope chunkScope = new NDScope()) {
                    chunkScope.suppressNotUsedWarning();
                    NDList stacked = new NDList(w.size());
                    for (int t = 0; t < w.size(); t++) {
                        int rank = w.get(t).getShape().dimension();
                        long[] lrShape = new long[rank + 1];
                        java.util.Arrays.fill(lrShape, 1);
                        lrShape[0] = k;
                        NDArray lr = Nd.create(m, part, new Shape(lrShape));
                        stacked.add(w.get(t).expandDims(0).sub(lr.mul(g.get(t).expandDims(0))));
                    }
                    System.arraycopy(objective.lossBatch(stacked), 0, losses, c0, k);
                }
            }
        }
        return new Result(lrs.clone(), base, losses);
    }
}
