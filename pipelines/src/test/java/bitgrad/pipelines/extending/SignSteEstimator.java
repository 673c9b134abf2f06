package bitgrad.pipelines.extending;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The README's worked example of a new estimator (signSGD's direction): the elementwise sign of
 * the STE gradient, scaled by {@code scale}. Its family is plugged in by the one line in
 * {@code META-INF/services/bitgrad.models.estimators.Estimators$Family}; experiments then name it
 * as {@code estimators.extra: [{type: sign-ste, scale: 1.0}]}.
 *
 * @param scale factor applied to every sign
 */
public record SignSteEstimator(double scale) implements Estimator {

    /** The family: its name and its decoder. */
    public static final class Family implements Estimators.Family {
        @Override
        public String name() {
            return "sign-ste";
        }

        @Override
        public Estimator decode(JsonNode spec) {
            return new SignSteEstimator(Estimators.num(spec, "scale"));
        }
    }

    @Override
    public String family() {
        return "sign-ste";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family()).put("scale", scale);
    }

    @Override
    public String label() {
        return "sign-ste(scale=" + scale + ")";
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        ParamSet ste = new SteEstimator().estimate(objective, seed);
        return ste.map(t -> {
            float[] v = ste.get(t).data().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] >= 0 ? scale : -scale);
            }
            return v;
        });
    }

    @Override
    public double nominalFlops(Objective objective) {
        return new SteEstimator().nominalFlops(objective);
    }
}
