package bitgrad.models.estimators;

import com.fasterxml.jackson.databind.node.ObjectNode;

import bitgrad.models.Seeds;
import bitgrad.models.nets.Forward;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;

/**
 * Stochastic STE backprop: the deterministic forward pass with a randomised backward
 * pseudo-derivative ({@link Forward.RandomBackward}), averaged over {@code samples} draws.
 *
 * @param keep probability of keeping each unit's pseudo-derivative, in (0, 1]
 * @param samples draws averaged, >= 1
 */
public record RandomBackwardSteEstimator(double keep, int samples) implements Estimator {

    public RandomBackwardSteEstimator {
        if (!(keep > 0 && keep <= 1)) {
            throw new IllegalArgumentException("ste-random keep must be in (0, 1], got " + keep);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("ste-random samples must be >= 1, got " + samples);
        }
    }

    @Override
    public String family() {
        return "ste-random";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family()).put("keep", keep).put("k", samples);
    }

    @Override
    public java.util.List<String> sharedDraws() {
        return java.util.List.of("k");
    }

    @Override
    public String label() {
        return "ste-random(keep=" + keep + ",k=" + samples + ")";
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        return Autograd.averageGradient(objective, samples,
                j -> s -> new Forward.RandomBackward(keep, Seeds.derive(seed, "ste-random", j, s)));
    }

    @Override
    public double nominalFlops(Objective objective) {
        return 3.0 * samples * objective.forwardFlops();
    }
}
