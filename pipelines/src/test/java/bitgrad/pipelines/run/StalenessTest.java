package bitgrad.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitgrad.schemas.ArtifactStore;
import bitgrad.transforms.Task;
import bitgrad.transforms.TaskRef;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code status} names as the reason a task is not cached. */
class StalenessTest {

    private static Task task(String key, double eps, String input) {
        // the seed is derived from the parameters, as the planner derives it
        ObjectNode params = Task.JSON.createObjectNode().put("eps", eps).put("seed", (long) (eps * 1e6));
        return new Task("estimate", key, params, Map.of("data", List.of(new TaskRef("generate-data", input))));
    }

    @Test
    void aChangedParameterAnUpstreamChangeAndACodeChangeAreToldApart(@TempDir Path dir) throws Exception {
        ArtifactStore store = new ArtifactStore(dir.resolve("cache"));
        Task cached = task("0123abcd0123abcd0123abcd", 0.1, "aaaaaaaa");
        try (ArtifactStore.Pending w = store.begin(cached.stage(), cached.key())) {
            Files.writeString(w.file("g.txt"), "x");
            w.commit(Map.of("task", Task.JSON.readTree(cached.toJson()), "seconds", 2.0), false);
        }
        Map<Task, String> cases = Map.of(
                task("1111111111111111aaaaaaaa", 0.01, "aaaaaaaa"), "eps", // not "seed": it follows eps
                task("2222222222222222aaaaaaaa", 0.1, "bbbbbbbb"), "inputs",
                task("3333333333333333aaaaaaaa", 0.1, "aaaaaaaa"), "code_version");
        for (Map.Entry<Task, String> c : cases.entrySet()) {
            Staleness.Explained e = Staleness.explain(store, "estimate", List.of(c.getKey()), List.of(c.getKey().key()));
            assertEquals(Map.of(c.getValue(), 1), e.changed(), c.getValue());
        }
    }
}
