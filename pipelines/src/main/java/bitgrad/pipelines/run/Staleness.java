package bitgrad.pipelines.run;

import bitgrad.schemas.ArtifactStore;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why a planned task is not cached, in the user's terms: the parameters in which it differs from
 * the closest cached task of its stage (as {@code dvc status} names changed dependencies),
 * "inputs" when its parameters match a cached task's but an upstream task changed, or
 * "code_version" when parameters and inputs match but the key does not. (How long they will take is
 * {@link CostModel}'s.)
 */
public final class Staleness {

    /**
     * @param changed parameter path (or {@code inputs}, {@code code_version}, {@code new}) to the number of tasks it explains
     */
    public record Explained(Map<String, Integer> changed) {
    }

    private Staleness() {
    }

    /**
     * Explains the tasks of {@code stage} whose keys are {@code pending} (the runner's own
     * decision of what is not cached: nothing is verified twice).
     */
    public static Explained explain(ArtifactStore store, String stage, List<Task> tasks, java.util.Collection<String> pending)
            throws IOException {
        List<JsonNode> cached = new ArrayList<>();
        List<JsonNode> cachedInputs = new ArrayList<>();
        for (String[] e : store.list()) {
            if (!e[0].equals(stage)) {
                continue;
            }
            ArtifactStore.Manifest m = store.manifest(stage, e[1]);
            if (m == null) {
                continue;
            }
            if (m.info().get("task") instanceof Map<?, ?> t && t.get("params") != null) {
                cached.add(Task.JSON.valueToTree(t.get("params")));
                cachedInputs.add(Task.JSON.valueToTree(t.get("inputs")));
            }
        }
        Map<String, Integer> changed = new TreeMap<>();
        for (Task t : tasks) {
            if (!pending.contains(t.key())) {
                continue;
            }
            List<String> best = null;
            boolean sameInputs = false;
            JsonNode inputs = Task.JSON.valueToTree(t.inputs());
            for (int i = 0; i < cached.size(); i++) {
                List<String> d = new ArrayList<>();
                diff(t.params(), cached.get(i), "", d);
                // a seed derived from the other parameters changes with them: it is named only when nothing else changed
                if (d.stream().anyMatch(x -> !derivedSeed(x))) {
                    d.removeIf(Staleness::derivedSeed);
                }
                if (best == null || d.size() < best.size()) {
                    best = d;
                }
                sameInputs |= d.isEmpty() && inputs.equals(cachedInputs.get(i));
            }
            // the same parameters and inputs under another key: the stage's code (or a library) changed
            List<String> why = best == null ? List.of("new") : !best.isEmpty() ? best : sameInputs ? List.of("code_version")
                    : List.of("inputs");
            why.forEach(k -> changed.merge(k, 1, Integer::sum));
        }
        return new Explained(changed);
    }

    /** A task's seed (a path ending in "seed"): the planner derives it from the task's other parameters. */
    static boolean derivedSeed(String path) {
        return path.equals("seed") || path.endsWith(".seed");
    }

    /** Leaf paths where {@code a} and {@code b} differ. */
    static void diff(JsonNode a, JsonNode b, String path, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            java.util.Set<String> names = new java.util.TreeSet<>();
            a.fieldNames().forEachRemaining(names::add);
            b.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                diff(a.get(n), b.get(n), path.isEmpty() ? n : path + "." + n, out);
            }
        } else if (a == null || b == null) {
            out.add(path);
        } else if (a.isNumber() && b.isNumber()) {
            // a planned long and a parsed int of the same value are the same parameter
            if (a.decimalValue().compareTo(b.decimalValue()) != 0) {
                out.add(path);
            }
        } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                List<String> d = new ArrayList<>();
                diff(a.get(i), b.get(i), path, d);
                if (!d.isEmpty()) {
                    out.add(path);
                    return;
                }
            }
        } else if (!a.equals(b)) {
            out.add(path);
        }
    }
}
