package bitgrad.models.estimators;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The estimator families by name and the one JSON codec: {@code {type: cdg, eps: 0.1}} and back.
 * The built-in families are listed here; another family plugs in through
 * {@link java.util.ServiceLoader} (a {@link Family} named in
 * {@code META-INF/services/bitgrad.models.estimators.Estimators$Family}), so it reaches every
 * runner's workers with the jar that carries it.
 */
public final class Estimators {

    /** An estimator family: its name and how to read one of its specs. */
    public interface Family {
        /** The {@code type} value. */
        String name();

        /** The estimator of a spec whose {@code type} is {@link #name} (bad values throw IllegalArgumentException). */
        Estimator decode(JsonNode spec);
    }

    /** Mapper for estimator JSON: sorted keys, so equal specs give equal text. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private static final Map<String, Function<JsonNode, Estimator>> FAMILIES = new TreeMap<>();

    static {
        FAMILIES.put("ste", n -> new SteEstimator());
        FAMILIES.put("cdg", n -> new CdgEstimator(num(n, "eps"),
                n.has("method") ? CdgEstimator.Method.parse(text(n, "method")) : CdgEstimator.Method.DELTA));
        FAMILIES.put("nes", n -> new NesEstimator(num(n, "sigma"), count(n, "samples"), bool(n, "antithetic"), bool(n, "baseline"),
                bool(n, "rank_shaping")));
        FAMILIES.put("sr-ste", n -> new SrSteEstimator(num(n, "tau"), count(n, "k"),
                bitgrad.models.nets.StochasticRounding.Backward.parse(text(n, "backward")), forward(n)));
        FAMILIES.put("ste-random", n -> new RandomBackwardSteEstimator(num(n, "keep"), count(n, "k")));
        FAMILIES.put("random", n -> new RandomDirectionEstimator());
        for (Family f : ServiceLoader.load(Family.class)) {
            FAMILIES.put(f.name(), f::decode);
        }
    }

    private Estimators() {
    }

    /** The estimator a spec describes; an unknown type or a missing or bad field is an IllegalArgumentException. */
    public static Estimator decode(JsonNode spec) {
        String type = text(spec, "type");
        Function<JsonNode, Estimator> f = FAMILIES.get(type);
        if (f == null) {
            throw new IllegalArgumentException("unknown estimator type '" + type + "'; known: " + String.join(", ", FAMILIES.keySet()));
        }
        return f.apply(spec);
    }

    /** {@link #decode} of JSON text. */
    public static Estimator decode(String json) {
        try {
            return decode(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an estimator spec: " + e.getOriginalMessage(), e);
        }
    }

    /** Names of every family known here. */
    public static java.util.Set<String> families() {
        return java.util.Collections.unmodifiableSet(FAMILIES.keySet());
    }

    /** A spec's {@code type} plus fields: the start of every {@link Estimator#toJson}. */
    public static ObjectNode spec(String family) {
        return JSON.createObjectNode().put("type", family);
    }

    /** Canonical JSON text (keys sorted at every level). */
    public static String canonical(JsonNode n) {
        return bitgrad.schemas.CanonicalJson.of(n);
    }

    private static JsonNode field(JsonNode n, String name) {
        JsonNode v = n.get(name);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("estimator spec " + n + " lacks '" + name + "'");
        }
        return v;
    }

    /** A numeric field. */
    public static double num(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("estimator field '" + name + "' must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** sr-STE's {@code forward}: absent or {@code stochastic} (sampled), or {@code deterministic}. */
    private static boolean forward(JsonNode n) {
        String f = n.has("forward") ? text(n, "forward") : "stochastic";
        if (!f.equals("stochastic") && !f.equals("deterministic")) {
            throw new IllegalArgumentException("sr-STE forward must be stochastic or deterministic, got '" + f + "'");
        }
        return f.equals("stochastic");
    }

    /** An integral field. */
    public static int count(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("estimator field '" + name + "' must be an integer, got " + v);
        }
        return v.asInt();
    }

    /** A boolean field. */
    public static boolean bool(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("estimator field '" + name + "' must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    /** A text field. */
    public static String text(JsonNode n, String name) {
        JsonNode v = field(n, name);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("estimator field '" + name + "' must be text, got " + v);
        }
        return v.asText();
    }
}
