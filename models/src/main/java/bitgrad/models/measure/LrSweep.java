package bitgrad.models.measure;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.Nd;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;

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
        return sweepAll(objective, List.of(direction), lrs).get(0);
    }

    /**
     * Sweeps {@code lrs} along each of {@code directions} from the objective's point: every step of
     * every direction (and the base point) as chunks of stacked copies, evaluated in one pass over
     * the objective's data.
     */
    public static List<Result> sweepAll(Objective objective, List<ParamSet> directions, float[] lrs) {
        int chunk = Math.max(1, objective.copiesPerChunk());
        int perDirection = (lrs.length + chunk - 1) / chunk;
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList w = Nd.toNd(m, objective.point());
            List<NDList> gs = new ArrayList<>();
            for (ParamSet d : directions) {
                gs.add(Nd.toNd(m, d));
            }
            // chunk 0: the point itself; then direction d's chunk c at 1 + d * perDirection + c
            float[][] losses = objective.lossChunks(1 + directions.size() * perDirection, i -> {
                if (i == 0) {
                    NDList base = new NDList(w.size());
                    w.forEach(t -> base.add(t.expandDims(0)));
                    return base;
                }
                int d = (i - 1) / perDirection;
                int c0 = ((i - 1) % perDirection) * chunk;
                int k = Math.min(chunk, lrs.length - c0);
                float[] part = new float[k];
                System.arraycopy(lrs, c0, part, 0, k);
                NDList stacked = new NDList(w.size());
                for (int t = 0; t < w.size(); t++) {
                    int rank = w.get(t).getShape().dimension();
                    long[] lrShape = new long[rank + 1];
                    java.util.Arrays.fill(lrShape, 1);
                    lrShape[0] = k;
                    NDArray lr = Nd.create(m, part, new Shape(lrShape));
                    stacked.add(w.get(t).expandDims(0).sub(lr.mul(gs.get(d).get(t).expandDims(0))));
                }
                return stacked;
            });
            float base = losses[0][0];
            List<Result> out = new ArrayList<>();
            for (int d = 0; d < directions.size(); d++) {
                float[] l = new float[lrs.length];
                for (int c = 0; c < perDirection; c++) {
                    float[] part = losses[1 + d * perDirection + c];
                    System.arraycopy(part, 0, l, c * chunk, part.length);
                }
                out.add(new Result(lrs.clone(), base, l));
            }
            return out;
        }
    }
}
