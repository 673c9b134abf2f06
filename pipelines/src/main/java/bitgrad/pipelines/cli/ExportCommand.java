package bitgrad.pipelines.cli;

import bitgrad.pipelines.config.ConfigException;
import bitgrad.pipelines.export.Csv;
import bitgrad.pipelines.export.TypedTables;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.schemas.Schemas;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bitgrad export RUN DIR}: every table of a run, per repeat, as typed Arrow and CSV files for a notebook, with
 * {@code export.json} naming each table's source and its columns' types (pandas dtypes included).
 */
@Command(name = "export", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n",
        footer = {"  bitgrad export latest out/        (then see docs/notebook.md)"}, description = {
            "Write every table of a run, one row per repeat, as typed Arrow and CSV files into a new folder.",
            "Each setting is its own column (estimator.mode, eps, samples, pretrained), ints as ints and flags as booleans;"
                    + " export.json lists each table's columns and their pandas dtypes."})
final class ExportCommand implements Callable<Integer> {

    /** The export's index file. */
    static final String INDEX = "export.json";

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "Run id, a unique prefix of one, its --name, or 'latest'.")
    String run;

    @Parameters(index = "1", paramLabel = "DIR", description = "A folder that does not exist yet or is empty.")
    Path dir;

    @picocli.CommandLine.Mixin
    RunsDirOption runs;

    /** The tables of one kind gathered from the run's artifacts, and the stages they came from. */
    private record Gathered(List<ColumnTable> tables, List<String> stages) {
    }

    @Override
    public Integer call() throws Exception {
        RunsDir.requireExisting(runs.runsDir);
        String id = RunsDir.resolve(runs.runsDir, run);
        JsonNode record = RunsDir.record(runs.runsDir, id);
        requireEmpty(dir);
        ArtifactStore store = new ArtifactStore(runs.runsDir.resolve("cache"));
        Map<String, Gathered> byKind = new LinkedHashMap<>();
        for (String a : RunsDir.artifacts(record)) {
            String[] ref = a.split("/");
            ArtifactStore.Check c = store.check(ref[0], ref[1]);
            if (!c.valid()) {
                throw new ConfigException("artifact " + a + " of run " + id + " is " + (Files.isDirectory(store.dir(ref[0], ref[1]))
                        ? "damaged (" + c.reason() + ")" : "no longer in the cache") + "; rerun the experiment to compute it again");
            }
            JsonNode params = Task.JSON.valueToTree(c.manifest().info()).path("task").path("params");
            for (String file : new java.util.TreeSet<>(c.manifest().files().keySet())) {
                if (!file.endsWith(".arrow")) {
                    continue;
                }
                ColumnTable t = resultTable(store.dir(ref[0], ref[1]).resolve(file));
                if (t == null) {
                    continue;
                }
                Gathered g = byKind.computeIfAbsent(t.kind(), k -> new Gathered(new ArrayList<>(), new ArrayList<>()));
                g.tables().add(TypedTables.typed(t, params));
                if (!g.stages().contains(ref[0])) {
                    g.stages().add(ref[0]);
                }
            }
        }
        if (byKind.isEmpty()) {
            throw new ConfigException("run " + id + " has no tables to export (state " + RunsDir.state(runs.runsDir, id, record) + ")");
        }
        Files.createDirectories(dir);
        ObjectNode index = Task.JSON.createObjectNode();
        index.put("run", id);
        index.put("experiment", record.path("experiment").asText());
        ObjectNode tables = index.putObject("tables");
        PrintWriter out = spec.commandLine().getOut();
        for (Map.Entry<String, Gathered> e : byKind.entrySet()) {
            ColumnTable t = TypedTables.union(e.getValue().tables());
            String name = e.getKey();
            ArrowFiles.write(dir.resolve(name + ".arrow"), t);
            try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(dir.resolve(name + ".csv"), StandardCharsets.UTF_8))) {
                Csv.write(t, w);
            }
            ObjectNode entry = tables.putObject(name);
            entry.put("from", String.join(",", e.getValue().stages()));
            entry.put("rows", t.rows());
            ObjectNode types = entry.putObject("columns");
            ObjectNode dtypes = entry.putObject("pandas_dtypes");
            t.columns().forEach((col, type) -> {
                types.put(col, type.name().toLowerCase(java.util.Locale.ROOT));
                dtypes.put(col, pandas(type));
            });
            out.printf(java.util.Locale.ROOT, "table=%s rows=%d columns=%d from=%s%n", name, t.rows(), t.columns().size(),
                    String.join(",", e.getValue().stages()));
        }
        Files.writeString(dir.resolve(INDEX), Task.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
        out.println("exported=" + byKind.size() + " run=" + id + " dir=" + dir + " (each table as .arrow and .csv; " + INDEX
                + " gives the pandas dtypes)");
        return 0;
    }

    /**
     * The table in {@code file}, or null for weights, gradients, data rows and the report's page layout (not tables of
     * results): their kind is read from the file's schema, so their rows (a data batch can be a million rows) are not.
     */
    private static ColumnTable resultTable(Path file) throws java.io.IOException {
        try (ArrowFiles.Reader r = new ArrowFiles.Reader(file)) {
            String kind = r.empty().kind();
            if (kind.equals(Schemas.TENSORS) || kind.equals(Schemas.DATA) || kind.equals(bitgrad.pipelines.report.PlotStage.REPORT_SECTIONS.kind())) {
                return null;
            }
        }
        return ArrowFiles.read(file);
    }

    /** The pandas dtype that reads a CSV column of this type back as the same type, empty cells as missing. */
    static String pandas(ColumnType t) {
        return switch (t) {
            case LONG -> "Int64";
            case DOUBLE -> "float64";
            case BOOLEAN -> "boolean";
            case STRING -> "string";
            default -> "object";
        };
    }

    /** The export writes into a new or empty folder only: it never mixes its files with others or replaces any. */
    private static void requireEmpty(Path dir) throws java.io.IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new ConfigException(dir + " is a file; give a folder that does not exist yet or is empty");
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new ConfigException(dir + " is not empty; give a new folder (the export never overwrites files)");
                }
            }
        }
    }
}
