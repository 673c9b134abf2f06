package bitgrad.transforms;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The elements a stage's Beam step receives: its tasks, those a stage computes together (the same
 * {@link Stage#group} and the same inputs) in one element, every other task in one of its own. An
 * element is a JSON array of tasks; a single task's JSON object is read too.
 */
public final class TaskGroups {

    private TaskGroups() {
    }

    /** {@code tasks} of {@code stage} grouped, in plan order of each group's first task. */
    public static List<List<Task>> of(Stage<?> stage, List<Task> tasks) {
        Map<String, List<Task>> groups = new LinkedHashMap<>();
        for (Task t : tasks) {
            String g = groupOf(stage, t);
            String key = g == null ? "task:" + t.key() : "group:" + g + "|" + Task.JSON.valueToTree(t.inputs());
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(t);
        }
        return List.copyOf(groups.values());
    }

    private static <P extends Record> String groupOf(Stage<P> stage, Task t) {
        return stage.group(StageParams.read(t.params(), stage.params()));
    }

    /** The Beam elements of {@code tasks}: one JSON array per group. */
    public static List<String> elements(Stage<?> stage, List<Task> tasks) {
        List<String> out = new ArrayList<>();
        for (List<Task> g : of(stage, tasks)) {
            try {
                out.add(Task.JSON.writeValueAsString(g));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        return out;
    }

    /** The tasks of one element (an array of tasks, or one task). */
    public static List<Task> parse(String element) {
        try {
            JsonNode n = Task.JSON.readTree(element);
            if (!n.isArray()) {
                return List.of(Task.fromJson(element));
            }
            List<Task> out = new ArrayList<>();
            for (JsonNode t : n) {
                out.add(Task.JSON.treeToValue(t, Task.class));
            }
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a task group: " + e.getOriginalMessage(), e);
        }
    }
}
