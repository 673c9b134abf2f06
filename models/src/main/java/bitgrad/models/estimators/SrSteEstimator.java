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
 */
public record SrSteEstimator(double tau, int samples, StochasticRounding.Backward backward) implements Estimator {

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
        return Estimators.spec(family()).put("tau", tau).put("k", samples).put("backward", backward.key());
    }

    @Override
    public java.util.List<String> sharedDraws() {
        // the hard sample sign(y - 0.5) is Bernoulli(p) whatever tau: given the uniforms, only the backward sees tau
        return java.util.List.of("k", "tau", "backward");
    }

    @Override
    public String label() {
        return "sr-ste(tau=" + tau + ",k=" + samples + (backward == StochasticRounding.Backward.RELAXED ? ",relaxed" : "") + ")";
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        if (!(objective instanceof TeacherStudentObjective toy)) {
            return Autograd.averageGradient(objective, samples,
                    j -> s -> new Forward.Stochastic(new StochasticRounding(tau, backward, Seeds.derive(seed, "sr", j, s))));
        }
        return Autograd.averageGradient(objective, samples, j -> {
            long drawSeed = Seeds.derive(seed, "sr", j);
            float[][] extremes = extremes(toy, drawSeed);
            return s -> new Forward.Stochastic(new StochasticRounding(tau, backward, drawSeed, toy.rowOffset(s), extremes[0], extremes[1]));
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
                        Forward f = new Forward.Stochastic(new StochasticRounding(tau, backward, drawSeed, o.rowOffset(s), max, min));
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

    @Override
    public double nominalFlops(Objective objective) {
        return 3.0 * samples * objective.forwardFlops();
    }
}
