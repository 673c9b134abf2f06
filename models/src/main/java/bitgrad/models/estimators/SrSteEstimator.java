package bitgrad.models.estimators;

import com.fasterxml.jackson.databind.node.ObjectNode;

import bitgrad.models.Seeds;
import bitgrad.models.nets.Forward;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.objectives.Objective;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ParamSet;

/**
 * sr-STE: STE gradients through a stochastically rounded forward pass, averaged over
 * {@code samples} independent draws (science.md §3). Sample j, slice s rounds with seed
 * {@code derive(seed, "sr", j, s)}.
 *
 * @param tau relaxed-Bernoulli temperature, > 0
 * @param samples k, the number of stochastic forward passes averaged (>= 1)
 * @param backward gradient route through the rounding
 * @param sampledForward the forward pass uses the stochastic sample (sr-STE proper); false keeps
 *        the deterministic quantizer forward and changes only the backward (a cell of the
 *        forward x backward factorial: with the quantizer backward it is plain STE)
 */
public record SrSteEstimator(double tau, int samples, StochasticRounding.Backward backward, boolean sampledForward)
        implements Estimator {

    /** sr-STE proper: the stochastic forward. */
    public SrSteEstimator(double tau, int samples, StochasticRounding.Backward backward) {
        this(tau, samples, backward, true);
    }

    public SrSteEstimator {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("sr-STE temperature must be a positive number, got " + tau);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("sr-STE samples must be >= 1, got " + samples);
        }
    }

    @Override
    public String family() {
        return "sr-ste";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode n = Estimators.spec(family()).put("tau", tau).put("k", samples).put("backward", backward.key());
        // the sampled forward is the default and stays out of the spec (and so out of existing cache keys)
        return sampledForward ? n : n.put("forward", "deterministic");
    }

    @Override
    public java.util.List<String> sharedDraws() {
        // the hard sample sign(y - 0.5) is Bernoulli(p) whatever tau: given the uniforms, only the backward sees tau
        return java.util.List.of("k", "tau", "backward", "forward");
    }

    @Override
    public String label() {
        return "sr-ste(tau=" + tau + ",k=" + samples + (backward == StochasticRounding.Backward.RELAXED ? ",relaxed" : "")
                + (sampledForward ? "" : ",det-forward") + ")";
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        if (!(objective instanceof TeacherStudentObjective toy)) {
            return Autograd.averageGradient(objective, samples,
                    j -> s -> new Forward.Stochastic(new StochasticRounding(tau, backward, Seeds.derive(seed, "sr", j, s), 0, null, null,
                            sampledForward)));
        }
        return Autograd.averageGradient(objective, samples, j -> {
            long drawSeed = Seeds.derive(seed, "sr", j);
            float[][] extremes = extremes(toy, drawSeed);
            return s -> new Forward.Stochastic(rounding(drawSeed, toy.rowOffset(s), extremes[0], extremes[1]));
        });
    }

    /**
     * The largest and smallest pre-activation of every hidden layer over the whole batch, for one
     * draw: layer by layer, each pass over the slices rounding the earlier layers with the extremes
     * already found, exactly as the gradient pass will (science.md §3: the scaling is over the
     * whole batch, however it is sliced).
     */
    private float[][] extremes(TeacherStudentObjective o, long drawSeed) {
        int hidden = o.spec().depth();
        float[] max = new float[hidden];
        float[] min = new float[hidden];
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDList params = bitgrad.models.Nd.toNd(m, o.point());
            for (int l = 0; l < hidden; l++) {
                float hi = Float.NEGATIVE_INFINITY;
                float lo = Float.POSITIVE_INFINITY;
                for (int s = 0; s < o.slices(); s++) {
                    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                        scope.suppressNotUsedWarning();
                        Forward f = new Forward.Stochastic(rounding(drawSeed, o.rowOffset(s), max, min));
                        ai.djl.ndarray.NDArray z = o.preActivation(params, s, l, f);
                        hi = Math.max(hi, z.max().getFloat());
                        lo = Math.min(lo, z.min().getFloat());
                    }
                }
                max[l] = hi;
                min[l] = lo;
            }
        }
        return new float[][] {max, min};
    }

    private StochasticRounding rounding(long drawSeed, long rowOffset, float[] max, float[] min) {
        return new StochasticRounding(tau, backward, drawSeed, rowOffset, max, min, sampledForward);
    }

    /**
     * Per hidden layer, the mean of {@code |p - 0.5|} over the batch's rows and units in the first
     * draw: how far the rounding probabilities are from a coin flip (the whole-batch max/min
     * scaling pushes them towards 0.5 as the batch grows).
     */
    public double[] meanAbsPOffset(TeacherStudentObjective o, long seed) {
        long drawSeed = Seeds.derive(seed, "sr", 0);
        float[][] ex = extremes(o, drawSeed);
        int hidden = o.spec().depth();
        double[] sum = new double[hidden];
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDList params = bitgrad.models.Nd.toNd(m, o.point());
            for (int l = 0; l < hidden; l++) {
                for (int s = 0; s < o.slices(); s++) {
                    try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                        scope.suppressNotUsedWarning();
                        StochasticRounding r = rounding(drawSeed, o.rowOffset(s), ex[0], ex[1]);
                        sum[l] += r.sumAbsPOffset(l, o.preActivation(params, s, l, new Forward.Stochastic(r)));
                    }
                }
                sum[l] /= (double) o.batch().size() * o.spec().dim();
            }
        }
        return sum;
    }

    @Override
    public double nominalFlops(Objective objective) {
        return 3.0 * samples * objective.forwardFlops();
    }
}
