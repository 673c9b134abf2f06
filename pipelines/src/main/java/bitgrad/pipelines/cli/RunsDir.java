package bitgrad.pipelines.cli;

import bitgrad.pipelines.config.ConfigException;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The run folders under a runs dir and their {@code run.json} records. */
final class RunsDir {

    private RunsDir() {
    }

    /** Run ids (folders holding a run.json), oldest first. */
    static List<String> runIds(Path runsDir) throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(runsDir)) {
            return ids;
        }
        try (Stream<Path> s = Files.list(runsDir)) {
            s.filter(p -> Files.isRegularFile(p.resolve("run.json"))).map(p -> p.getFileName().toString()).sorted()
                    .forEach(ids::add);
        }
        return ids;
    }

    /** The run named {@code id}: an exact id, a unique prefix, or {@code latest}. */
    static String resolve(Path runsDir, String id) throws IOException {
        List<String> ids = runIds(runsDir);
        if (ids.isEmpty()) {
            throw new ConfigException("no runs in " + runsDir);
        }
        if (id.equals("latest")) {
            return ids.get(ids.size() - 1);
        }
        if (ids.contains(id)) {
            return id;
        }
        List<String> matches = ids.stream().filter(x -> x.startsWith(id)).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        throw new ConfigException(matches.isEmpty() ? "no run '" + id + "' in " + runsDir + " (try 'latest')"
                : "run id '" + id + "' is ambiguous: " + String.join(", ", matches));
    }

    /** The run record of {@code runId}. */
    static JsonNode record(Path runsDir, String runId) throws IOException {
        return Task.JSON.readTree(runsDir.resolve(runId).resolve("run.json").toFile());
    }

    /** Every {@code stage/key} a run record refers to. */
    static List<String> artifacts(JsonNode record) {
        List<String> out = new ArrayList<>();
        record.path("stages").forEach(s -> s.path("artifacts").forEach(a -> out.add(a.asText())));
        return out;
    }
}
