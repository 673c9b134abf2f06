package bitgrad.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;

/**
 * A temporary artifact store plus the means to plan a task by hand and run a stage over it with
 * Beam's TestPipeline, asserting with PAssert on the stage's result lines.
 */
final class StageFixture {

    final ArtifactStore store;

    StageFixture(Path dir) {
        this.store = new ArtifactStore(dir.resolve("cache"));
    }

    /** A task of {@code stage} with {@code params}; its key hashes stage, version, parameters and inputs. */
    <P extends Record> Task task(Stage<P> stage, P params, Map<String, List<TaskRef>> inputs) {
        var json = StageParams.tree(params);
        String key = ArtifactStore.sha256(stage.name() + "|" + stage.version() + "|" + json + "|" + new java.util.TreeMap<>(inputs))
                .substring(0, 24);
        return new Task(stage.name(), key, json, inputs);
    }

    /** Runs {@code tasks} (all of one stage) through its transform; PAsserts one {@code status} line per task. */
    List<TaskRef> run(String status, Task... tasks) {
        TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        // as a run sends them: the tasks a stage computes together in one element
        List<String> json = TaskGroups.elements(Stages.get(tasks[0].stage()), List.of(tasks));
        PCollection<String> out = p.apply("Tasks", Create.of(json))
                .apply(tasks[0].stage(), Stages.transform(tasks[0].stage(), store.root().toString(), false));
        int n = tasks.length;
        PAssert.that(out).satisfies(lines -> {
            int count = 0;
            for (String line : lines) {
                assertEquals(status, statusOf(line), line);
                count++;
            }
            assertEquals(n, count, "one result per task");
            return null;
        });
        p.run().waitUntilFinish();
        List<TaskRef> refs = new ArrayList<>();
        for (Task t : tasks) {
            refs.add(new TaskRef(t.stage(), t.key()));
        }
        return refs;
    }

    private static String statusOf(String line) {
        try {
            return Task.JSON.readTree(line).path("status").asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs tasks that must all be computed now. */
    List<TaskRef> run(Task... tasks) {
        return run("computed", tasks);
    }

    /** The single artifact of one task. */
    TaskRef one(Task t) {
        return run(t).get(0);
    }

    ColumnTable table(TaskRef ref, Stage.Output file) throws IOException {
        return bitgrad.schemas.ArrowFiles.read(store.file(ref.stage(), ref.key(), file.file()));
    }

    ParamSet tensors(TaskRef ref, Stage.Output file) throws IOException {
        return bitgrad.schemas.Schemas.toParamSet(table(ref, file));
    }
}
