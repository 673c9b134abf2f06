package bitgrad.pipelines;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A test estimator that waits {@code seconds} and then fails, as a task that dies of a full disk
 * or a NaN would: a run with it fails in its estimate stage after the other estimate tasks
 * finished. Named in experiments as {@code estimators.extra: [{type: fails-after, seconds: 3}]}.
 *
 * @param seconds how long the task works before it fails
 */
public record FailingEstimator(double seconds) implements Estimator {

    /** The family: its name and its decoder (plugged in by the test's service file). */
    public static final class Family implements Estimators.Family {
        @Override
        public String name() {
            return "fails-after";
        }

        @Override
        public Estimator decode(JsonNode spec) {
            return new FailingEstimator(Estimators.num(spec, "seconds"));
        }
    }

    @Override
    public String family() {
        return "fails-after";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family()).put("seconds", seconds);
    }

    @Override
    public String label() {
        return "fails-after(seconds=" + seconds + ")";
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        try {
            Thread.sleep((long) (seconds * 1000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("the test estimator fails on purpose");
    }

    @Override
    public double nominalFlops(Objective objective) {
        return new SteEstimator().nominalFlops(objective);
    }
}
