package bitgrad.pipelines.report;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A finished run as the report sees it: its {@code run.json} and the cached artifacts it names.
 * Everything is read back from the cache, so a report can be re-rendered without recomputing.
 *
 * @param record the run record
 * @param runDir the run folder (figures and report go here)
 * @param store the cache
 */
public record RunData(JsonNode record, Path runDir, ArtifactStore store) {

    /** Loads the run in {@code runDir} with the cache {@code store}. */
    public static RunData load(Path runDir, ArtifactStore store) throws IOException {
        return new RunData(Task.JSON.readTree(runDir.resolve("run.json").toFile()), runDir, store);
    }

    /** The artifact keys the run used for {@code stage}. */
    public List<String> keys(String stage) {
        List<String> out = new ArrayList<>();
        for (JsonNode s : record.path("stages")) {
            if (s.path("stage").asText().equals(stage)) {
                s.path("artifacts").forEach(a -> out.add(a.asText().substring(stage.length() + 1)));
            }
        }
        return out;
    }

    /** The task (parameters and inputs) that produced artifact {@code (stage, key)}. */
    public JsonNode task(String stage, String key) {
        return Task.JSON.valueToTree(store.manifest(stage, key).info().get("task"));
    }

    /** Reads a table of artifact {@code (stage, key)}. */
    public ColumnTable table(String stage, String key, String file) throws IOException {
        return ArrowFiles.read(store.file(stage, key, file));
    }

    /** The run's summary task key, or null when the run had no summary. */
    public String summaryKey() {
        List<String> k = keys("summary");
        return k.isEmpty() ? null : k.get(0);
    }

    /** The configuration the run used. */
    public JsonNode config() {
        return record.path("config");
    }
}
