package bitgrad.models.estimators;

import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The control every estimator's descent is read against: a random direction, independent per
 * layer (standard normal draws per weight, so after per-tensor normalisation a uniformly random
 * unit direction per layer), seeded like every estimate. It carries no information about the
 * loss; whatever decrease it shows is what any direction gets, e.g. through the linear output
 * layer, where a random step lowers a quadratic loss about half the time.
 */
public record RandomDirectionEstimator() implements Estimator {

    @Override
    public String family() {
        return "random";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family());
    }

    @Override
    public String label() {
        return "random";
    }

    /** The probes' random direction: Gaussian per weight, unit norm per tensor. */
    @Override
    public ParamSet estimate(Objective objective, long seed) {
        return bitgrad.models.measure.Probes.randomDirection(objective.point(), seed);
    }

    @Override
    public double nominalFlops(Objective objective) {
        return 0;
    }
}
