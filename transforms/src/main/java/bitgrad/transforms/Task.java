package bitgrad.transforms;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One unit of a stage's work (one grid point) and of the cache: the stage, the resolved
 * parameters (seeds included), and the artifacts it reads. Travels through Beam as JSON text.
 *
 * @param stage stage name
 * @param key cache key of the artifact this task produces
 * @param params resolved parameters
 * @param inputs named input artifacts (a name may list several)
 */
public record Task(String stage, String key, ObjectNode params, Map<String, List<TaskRef>> inputs) {

    /** Shared JSON mapper (sorted keys, so equal content gives equal text). */
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .enable(com.fasterxml.jackson.databind.MapperFeature.SORT_PROPERTIES_ALPHABETICALLY);

    public Task {
        inputs = new LinkedHashMap<>(inputs);
    }

    /** The single input named {@code name}. */
    public TaskRef input(String name) {
        List<TaskRef> refs = inputs.get(name);
        if (refs == null || refs.size() != 1) {
            throw new IllegalArgumentException("task " + stage + " needs exactly one input '" + name + "'");
        }
        return refs.get(0);
    }

    /** All inputs named {@code name} (empty when none). */
    public List<TaskRef> inputList(String name) {
        return inputs.getOrDefault(name, List.of());
    }

    /** This task as JSON text. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A task from {@link #toJson} text. */
    public static Task fromJson(String json) {
        try {
            return JSON.readValue(json, Task.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a task: " + e.getOriginalMessage(), e);
        }
    }

    /** Required parameter at a dotted path, e.g. {@code model.dim}. */
    public JsonNode param(String path) {
        JsonNode n = params;
        for (String part : path.split("\\.")) {
            n = n.get(part);
            if (n == null) {
                throw new IllegalArgumentException("task " + stage + " lacks parameter " + path);
            }
        }
        return n;
    }
}
