package bitgrad.pipelines.run;

import bitgrad.pipelines.Versions;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.CanonicalJson;
import bitgrad.schemas.Schemas;
import bitgrad.transforms.Stage;
import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import bitgrad.transforms.TaskRef;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Cache keys: SHA-256 of the canonical JSON (sorted keys, no whitespace) of the stage name, its
 * code version, the resolved parameters (seeds included), the keys of its inputs, the library
 * versions that can change numbers (DJL, PyTorch, Beam, schema) and the device. The runner is
 * not part of the key: the same task gives the same numbers on every runner.
 */
public final class CacheKeys {

    /** Hex characters of the digest kept in keys (96 bits). */
    public static final int LENGTH = 24;

    private CacheKeys() {
    }

    /** The key of a task of {@code stage} with {@code params} reading {@code inputs}. */
    public static String key(String stage, ObjectNode params, Map<String, List<TaskRef>> inputs, String device) {
        ObjectNode doc = Task.JSON.createObjectNode();
        doc.put("stage", stage);
        Stage<?> s = Stages.get(stage);
        if (s.algorithms().isEmpty()) {
            doc.put("code_version", s.version()); // as before algorithms were declared: these keys did not change
        } else {
            doc.put("code_version", s.codeVersion());
        }
        doc.set("params", params);
        ObjectNode in = doc.putObject("inputs");
        new TreeMap<>(inputs).forEach((name, refs) -> {
            var arr = in.putArray(name);
            refs.forEach(r -> arr.add(r.stage() + "/" + r.key()));
        });
        ObjectNode v = doc.putObject("versions");
        v.put("djl", Versions.get("djl"));
        v.put("pytorch", Versions.get("pytorch"));
        v.put("beam", Versions.get("beam"));
        v.put("schema", Schemas.VERSION);
        doc.put("device", device);
        return ArtifactStore.sha256(canonical(doc)).substring(0, LENGTH);
    }

    /** Canonical JSON: object keys sorted at every level, compact. */
    static String canonical(JsonNode n) {
        return CanonicalJson.of(n);
    }
}
