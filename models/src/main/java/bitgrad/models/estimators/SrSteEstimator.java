package bitgrad.models.estimators;

import com.fasterxml.jackson.databind.node.ObjectNode;

import bitgrad.models.Seeds;
import bitgrad.models.nets.Forward;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.objectives.Objective;
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
        return Autograd.averageGradient(objective, samples,
                j -> s -> new Forward.Stochastic(new StochasticRounding(tau, backward, Seeds.derive(seed, "sr", j, s))));
    }

    @Override
    public double nominalFlops(Objective objective) {
        return 3.0 * samples * objective.forwardFlops();
    }
}
