package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.quant.Quantizer;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The one codec between stage parameter records and task JSON: record components in snake case
 * ({@code sliceRows} is {@code slice_rows}), estimators as their spec ({@link Estimator#toJson}),
 * quantizers by name, absent (null) values left out. Unknown fields are errors.
 */
public final class StageParams {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .registerModule(new SimpleModule("bitgrad")
                    .addSerializer(Estimator.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Estimator e, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeTree(e.toJson());
                        }
                    })
                    .addDeserializer(Estimator.class, new JsonDeserializer<>() {
                        @Override
                        public Estimator deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            return Estimators.decode((JsonNode) p.readValueAsTree());
                        }
                    })
                    .addSerializer(Quantizer.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(Quantizer q, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(q.name());
                        }
                    })
                    .addDeserializer(Quantizer.class, new JsonDeserializer<>() {
                        @Override
                        public Quantizer deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            return Quantizer.parse(p.getValueAsString());
                        }
                    }));

    private StageParams() {
    }

    /** A parameter record as task JSON. */
    public static ObjectNode tree(Record params) {
        return MAPPER.valueToTree(params);
    }

    /** Task JSON as the parameter record {@code type}. */
    public static <P> P read(JsonNode params, Class<P> type) {
        try {
            return MAPPER.treeToValue(params, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("parameters " + params + " are not a " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
