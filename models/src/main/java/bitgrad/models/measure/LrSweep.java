package bitgrad.models.measure;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
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

    /**
     * Version of the sweep's numbers: the grid, the step, the best-rate rule and the bracketing of
     * {@link #bracketed} (part of the sweeping stages' cache keys).
     */
    public static final bitgrad.models.Algorithm VERSION = new bitgrad.models.Algorithm("lr-sweep", 3);

    /** A change of the loss within this fraction of it is float rounding of a float32 mean, not a change. */
    public static final double FLAT = 1e-6;

    /** What a stage that sweeps with this class depends on: the sweep and the line sweep it walks rows with. */
    public static final java.util.List<bitgrad.models.Algorithm> ALGORITHMS = java.util.List.of(VERSION,
            bitgrad.models.objectives.LineSweep.VERSION);


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

        /**
         * True when some learning rate of the grid lowers the loss by more than float rounding
         * ({@link #FLAT} of the loss); false: "no descent" (no best lr to report). Without the
         * tolerance an uphill direction "descends" at a rate so small that the change is rounding.
         */
        public boolean descends() {
            return bestDecrease() > FLAT * Math.abs(baseLoss);
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

    /**
     * How a sweep evaluates its steps: {@code LINE}, the objective's own way (on the toy MLP with a
     * quantized activation and full-precision weights, the line sweep), or {@code COPIES}, a forward
     * pass per step, the reference. They agree to float rounding except for rows within float
     * rounding of a threshold.
     */
    public enum Method {
        LINE, COPIES;

        /** {@code line} or {@code copies}. */
        public static Method parse(String s) {
            for (Method m : values()) {
                if (m.name().equalsIgnoreCase(s.trim())) {
                    return m;
                }
            }
            throw new IllegalArgumentException("sweep method must be line or copies, got '" + s + "'");
        }

        /** As a stage's parameters give it: null for the default, {@link #LINE}, else a name {@link #parse} takes. */
        public static Method of(String nullable) {
            return nullable == null ? LINE : parse(nullable);
        }

        /** The lower-case name. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * How a sweep is continued past an end of its grid while the best rate sits there: rounds of
     * {@code round} rates, each {@code factor} times the last (or 1/factor times the first), never
     * beyond {@code lowest} .. {@code highest}.
     */
    public record Bracket(double factor, int round, double lowest, double highest) {

        /** x1.25 per rate in rounds of 8, within 1e-8 .. 1000 (the largest rate a configuration may ask for). */
        public static final Bracket DEFAULT = new Bracket(1.25, 8, 1e-8, 1000);

        public Bracket {
            if (!(factor > 1) || round < 1 || !(lowest > 0) || !(highest > lowest)) {
                throw new IllegalArgumentException("a bracket needs factor > 1, round >= 1 and 0 < lowest < highest");
            }
        }

        /** The next round above {@code top} (empty at the limit). */
        float[] above(float top) {
            List<Float> out = new ArrayList<>();
            double lr = top;
            for (int i = 0; i < round; i++) {
                lr *= factor;
                if (lr > highest * (1 + 1e-6)) {
                    break;
                }
                out.add((float) lr);
            }
            return toArray(out);
        }

        /** The next round below {@code bottom}, in increasing order (empty at the limit). */
        float[] below(float bottom) {
            List<Float> out = new ArrayList<>();
            double lr = bottom;
            for (int i = 0; i < round; i++) {
                lr /= factor;
                if (lr < lowest * (1 - 1e-6)) {
                    break;
                }
                out.add(0, (float) lr);
            }
            return toArray(out);
        }

        private static float[] toArray(List<Float> v) {
            float[] a = new float[v.size()];
            for (int i = 0; i < a.length; i++) {
                a[i] = v.get(i);
            }
            return a;
        }
    }

    /**
     * One direction's sweep on the batch that chose its rate and on held-out rows, over the same
     * rates: the configured grid plus whatever {@link #bracketed} added.
     *
     * @param batch the curve the best rate is chosen on
     * @param heldout the same rates on held-out rows
     * @param gridLow the configured grid's lowest rate
     * @param gridHigh the configured grid's highest rate
     * @param atEdge the best rate still sits at an end of what was swept (the limit was reached): unresolved
     */
    public record Swept(Result batch, Result heldout, float gridLow, float gridHigh, boolean atEdge) {

        /** The lowest rate swept. */
        public float low() {
            return batch.lrs()[0];
        }

        /** The highest rate swept. */
        public float high() {
            return batch.lrs()[batch.lrs().length - 1];
        }

        /** The decrease on held-out rows at the rate chosen on the batch. */
        public float heldoutAtBest() {
            return heldout.decrease()[batch.bestIndex()];
        }
    }

    /**
     * {@link #sweepAll} on {@code batch} and {@code heldout}, then, for every direction whose best
     * rate on {@code batch} sits at an end of what has been swept (or that lowers the loss at no
     * rate: then below the grid), one more round of rates beyond that end (see {@link Bracket}),
     * until the best rate lies inside or the limit is reached. The decrease past the best has then turned down on both sides (or the
     * result says {@code atEdge}). Rates of the grid keep their losses; added rates are swept on
     * both batches, so every selection can be scored on held-out rows.
     */
    public static List<Swept> bracketed(Objective batch, Objective heldout, List<ParamSet> directions, float[] lrs, Method method,
            Bracket bracket) {
        List<Result> onBatch = sweepAll(batch, directions, lrs, method);
        List<Result> onHeldout = sweepAll(heldout, directions, lrs, method);
        List<Swept> out = new ArrayList<>();
        for (int d = 0; d < directions.size(); d++) {
            Result b = onBatch.get(d);
            Result h = onHeldout.get(d);
            while (true) {
                int best = b.bestIndex();
                // no rate lowers the loss: smaller ones may (a descent direction does at small enough rates)
                boolean up = b.descends() && best == b.lrs().length - 1;
                float[] more = up ? bracket.above(b.lrs()[best]) : best == 0 || !b.descends() ? bracket.below(b.lrs()[0]) : null;
                if (more == null || more.length == 0) {
                    break;
                }
                b = join(b, sweepAll(batch, List.of(directions.get(d)), more, method).get(0), up);
                h = join(h, sweepAll(heldout, List.of(directions.get(d)), more, method).get(0), up);
            }
            int best = b.bestIndex();
            boolean edge = b.descends() && (best == 0 || best == b.lrs().length - 1);
            out.add(new Swept(b, h, lrs[0], lrs[lrs.length - 1], edge));
        }
        return out;
    }

    /** {@code r} with {@code more}'s rates appended ({@code after}) or prepended. */
    private static Result join(Result r, Result more, boolean after) {
        Result first = after ? r : more;
        Result second = after ? more : r;
        float[] lrs = java.util.Arrays.copyOf(first.lrs(), first.lrs().length + second.lrs().length);
        System.arraycopy(second.lrs(), 0, lrs, first.lrs().length, second.lrs().length);
        float[] losses = java.util.Arrays.copyOf(first.losses(), first.losses().length + second.losses().length);
        System.arraycopy(second.losses(), 0, losses, first.losses().length, second.losses().length);
        return new Result(lrs, r.baseLoss(), losses);
    }

    /** Sweeps {@code lrs} along {@code direction} (usually normalised) from the objective's point. */
    public static Result sweep(Objective objective, ParamSet direction, float[] lrs) {
        return sweepAll(objective, List.of(direction), lrs).get(0);
    }

    /** {@link #sweep} by the given method. */
    public static Result sweep(Objective objective, ParamSet direction, float[] lrs, Method method) {
        return sweepAll(objective, List.of(direction), lrs, method).get(0);
    }

    /** {@link #sweepAll(Objective, List, float[], Method)} the objective's own way. */
    public static List<Result> sweepAll(Objective objective, List<ParamSet> directions, float[] lrs) {
        return sweepAll(objective, directions, lrs, Method.LINE);
    }

    /**
     * Sweeps {@code lrs} along each of {@code directions} from the objective's point: every step of
     * every direction (and the base point) in one pass over the objective's data, by
     * {@code method}: the objective's {@code lossAlong} (the line sweep where it applies) or
     * {@code copiesAlong} (chunks of stacked copies, a forward pass each).
     */
    public static List<Result> sweepAll(Objective objective, List<ParamSet> directions, float[] lrs, Method method) {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList w = Nd.toNd(m, objective.point());
            NDList stacked = Nd.stacked(m, directions);
            // direction 0 also carries the point itself (coefficient 0: w + 0 g is w exactly)
            float[][] coefficients = new float[directions.size()][];
            for (int d = 0; d < coefficients.length; d++) {
                int from = d == 0 ? 1 : 0;
                coefficients[d] = new float[lrs.length + from];
                for (int i = 0; i < lrs.length; i++) {
                    coefficients[d][from + i] = -lrs[i];
                }
            }
            float[][] losses = method == Method.COPIES ? objective.copiesAlong(w, stacked, coefficients)
                    : objective.lossAlong(w, stacked, coefficients);
            float base = losses[0][0];
            List<Result> out = new ArrayList<>();
            for (int d = 0; d < directions.size(); d++) {
                out.add(new Result(lrs.clone(), base, java.util.Arrays.copyOfRange(losses[d], d == 0 ? 1 : 0, losses[d].length)));
            }
            return out;
        }
    }
}
