package bitgrad.models.estimators;

import com.fasterxml.jackson.databind.node.ObjectNode;

import bitgrad.models.nets.Forward;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;

/** STE: autograd through the quantizers' backward pseudo-derivatives (science.md §3). */
public record SteEstimator() implements Estimator {

    @Override
    public String family() {
        return "ste";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family());
    }

    @Override
    public String label() {
        return "ste";
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        return Autograd.gradient(objective, s -> Forward.STE);
    }

    @Override
    public double nominalFlops(Objective objective) {
        return 3 * objective.forwardFlops();
    }
}
