package bitgrad.transforms;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.RandomBackwardSteEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.quant.Quantizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/** Builds model shapes and estimators from task parameters (and writes them back), one format for all stages. */
public final class Specs {

    private Specs() {
    }

    /** {@code {dim, depth, activation, binary_weights}} as a model shape. */
    public static MlpSpec model(JsonNode n) {
        return new MlpSpec(n.get("dim").asInt(), n.get("depth").asInt(), Quantizer.parse(n.get("activation").asText()),
                n.get("binary_weights").asBoolean());
    }

    /** A model shape as parameters. */
    public static ObjectNode model(MlpSpec spec) {
        return Task.JSON.createObjectNode().put("dim", spec.dim()).put("depth", spec.depth())
                .put("activation", spec.activation().name()).put("binary_weights", spec.binaryWeights());
    }

    /**
     * An estimator from {@code {type: ste}}, {@code {type: cdg, eps}}, {@code {type: nes, sigma,
     * samples, antithetic, baseline, rank_shaping}} or {@code {type: sr-ste, tau, k, backward}} or {@code {type: ste-random, keep, k}}.
     */
    public static Estimator estimator(JsonNode n) {
        String type = n.get("type").asText();
        return switch (type) {
            case "ste" -> new SteEstimator();
            case "cdg" -> new CdgEstimator(n.get("eps").asDouble());
            case "nes" -> new NesEstimator(n.get("sigma").asDouble(), n.get("samples").asInt(), n.get("antithetic").asBoolean(),
                    n.get("baseline").asBoolean(), n.get("rank_shaping").asBoolean());
            case "ste-random" -> new RandomBackwardSteEstimator(n.get("keep").asDouble(), n.get("k").asInt());
            case "sr-ste" -> new SrSteEstimator(n.get("tau").asDouble(), n.get("k").asInt(),
                    StochasticRounding.Backward.valueOf(n.get("backward").asText().toUpperCase(Locale.ROOT)));
            default -> throw new IllegalArgumentException("unknown estimator type '" + type + "'");
        };
    }
}
