package bitgrad.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run record: its field names and order, what a running record holds, and the failed / report-written transitions. */
class RunRecordTest {

    private static RunRecord record(String status, Long pid, List<String> planned) {
        return new RunRecord("20261206-000000-000-tiny", status, status.equals("failed") ? "estimate: boom" : null, pid,
                pid == null ? null : "estimate", "tiny", "tiny.yaml", List.of("dims=[4]"), null, List.of("bitgrad", "run", "tiny.yaml"), 3,
                Task.JSON.createObjectNode().put("name", "tiny"), Map.of("bitgrad", "0.1.0"), "abc", false, "host", "Linux amd64", "direct",
                null, 2, "cpu", "2026-12-06T00:00:00Z", pid == null ? "2026-12-06T00:00:05Z" : null, 5.0,
                List.of(new RunRecord.Stage("estimate", "miss", "2/2 not cached", 2, 2, 4.5, "4", List.of("estimate/k1", "estimate/k2"))),
                planned);
    }

    @Test
    void aFinishedRecordHasTheReadersFieldsInOrderAndNoEmptyOnes(@TempDir Path dir) throws Exception {
        record("ok", null, null).write(dir);
        JsonNode n = Task.JSON.readTree(dir.resolve("run.json").toFile());
        List<String> fields = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(fields::add);
        assertEquals(List.of("run_id", "status", "experiment", "source", "overrides", "command", "seed", "config", "versions", "git_commit",
                "git_dirty", "host", "os", "runner", "parallelism", "device", "started", "finished", "seconds", "stages"), fields);
        assertEquals("estimate/k2", n.path("stages").get(0).path("artifacts").get(1).asText());
        assertEquals("4", n.path("stages").get(0).path("code_version").asText());
        assertTrue(n.path("git_dirty").isBoolean());
        RunRecord back = Task.JSON.treeToValue(n, RunRecord.class);
        assertEquals(record("ok", null, null).stages(), back.stages(), "the record reads back into its type");
    }

    @Test
    void aRunningRecordNamesItsProcessAndStageAndAnUnfinishedOneItsPlan(@TempDir Path dir) throws Exception {
        record(RunRecord.RUNNING, 42L, List.of("estimate/k1", "estimate/k2", "plot/p")).write(dir);
        JsonNode n = Task.JSON.readTree(dir.resolve("run.json").toFile());
        assertEquals(42, n.path("pid").asLong());
        assertEquals("estimate", n.path("current_stage").asText());
        assertFalse(n.has("finished"));
        assertEquals(3, n.path(RunRecord.PLANNED).size());
    }

    @Test
    void aFailedReportIsMarkedAndClearedWhenThePageIsWritten(@TempDir Path dir) throws Exception {
        record("ok", null, null).write(dir);
        RunRecord.markFailed(dir, RunRecord.REPORT_FAILED + " (disk full)");
        JsonNode failed = Task.JSON.readTree(dir.resolve("run.json").toFile());
        assertEquals("failed", failed.path("status").asText());
        RunRecord.markReportWritten(dir);
        JsonNode ok = Task.JSON.readTree(dir.resolve("run.json").toFile());
        assertEquals("ok", ok.path("status").asText());
        assertFalse(ok.has("error"));
        // a stage's failure stays a failure when the page is written later
        record("failed", null, List.of()).write(dir);
        RunRecord.markReportWritten(dir);
        assertEquals("failed", Task.JSON.readTree(dir.resolve("run.json").toFile()).path("status").asText());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of("run.json"), s.map(p -> p.getFileName().toString()).toList(), "no temporary file left");
        }
    }
}
