package bitgrad.pipelines.cli;

import bitgrad.pipelines.config.ConfigException;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bitgrad show RUN [ARTIFACT]}: a run's artifacts, or one of them printed. */
@Command(name = "show", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad show latest                                (list the artifacts)", "  bitgrad show latest summary.arrow --format csv", "  bitgrad show latest rosenbrock/trajectory.arrow --format json"}, description = {
    "List a run's artifacts, or print one (any Arrow artifact) as a table, CSV or JSON.",
    "ARTIFACT is stage/key/file as listed, or any unambiguous part: a file name (summary.arrow), stage/file."})
final class ShowCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "Run id, a unique prefix of one, or 'latest'.")
    String run;

    @Parameters(index = "1", arity = "0..1", paramLabel = "ARTIFACT", description = "The artifact file to print.")
    String artifact;

    @Option(names = "--format", paramLabel = "F", defaultValue = "table", description = "table, csv or json (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "40", description = "Rows shown as a table (default: ${DEFAULT-VALUE}).")
    int limit;

    @picocli.CommandLine.Mixin

    RunsDirOption runs;

    @Override
    public Integer call() throws Exception {
        Check.within(spec, "--limit", limit, 1, Integer.MAX_VALUE);
        if (!List.of("table", "csv", "json").contains(format)) {
            throw new ConfigException("--format must be table, csv or json, got '" + format + "'");
        }
        RunsDir.requireExisting(runs.runsDir);
        String id = RunsDir.resolve(runs.runsDir, run);
        ArtifactStore store = new ArtifactStore(runs.runsDir.resolve("cache"));
        List<String> files = new ArrayList<>();
        for (String a : RunsDir.artifacts(RunsDir.record(runs.runsDir, id))) {
            String[] ref = a.split("/");
            if (Files.isDirectory(store.dir(ref[0], ref[1]))) {
                // what its manifest lists, nothing else (an artifact is exactly its manifest)
                ArtifactStore.Check c = store.check(ref[0], ref[1]);
                java.util.Collection<String> names = c.valid() ? c.manifest().files().keySet() : unverifiedNames(store, ref);
                names.stream().filter(n -> n.endsWith(".arrow")).sorted().forEach(n -> files.add(a + "/" + n));
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        if (artifact == null) {
            var rec = RunsDir.record(runs.runsDir, id);
            String state = RunsDir.state(runs.runsDir, id, rec);
            out.println("run " + id + " state=" + state + (rec.path("error").isTextual() ? " (" + rec.path("error").asText() + ")" : "")
                    + (rec.path("current_stage").isTextual() && state.equals("running") ? " stage=" + rec.path("current_stage").asText() : ""));
            for (String f : files) {
                Path p = store.root().resolve(f);
                out.printf(Locale.ROOT, "  %s (%s)%n", f, Files.isRegularFile(p) ? Files.size(p) + " bytes" : "missing");
            }
            return 0;
        }
        List<String> matches = files.stream().filter(f -> f.equals(artifact) || f.endsWith("/" + artifact)
                || matchesStageFile(f, artifact)).toList();
        if (matches.isEmpty()) {
            throw new ConfigException("run " + id + " has no artifact '" + artifact + "' (list them with 'bitgrad show " + run + "')");
        }
        if (matches.size() > 1) {
            throw new ConfigException("artifact '" + artifact + "' is ambiguous in run " + id + ": " + matches.size()
                    + " files match, e.g. " + matches.get(0) + " (give stage/key/file)");
        }
        String[] parts = matches.get(0).split("/");
        ArtifactStore.Check check = store.check(parts[0], parts[1]);
        if (!check.valid()) {
            throw new ConfigException("artifact " + parts[0] + "/" + parts[1] + " of run " + id + " is damaged (" + check.reason()
                    + "); rerun the experiment to compute it again");
        }
        ColumnTable t = ArrowFiles.read(store.root().resolve(matches.get(0)));
        switch (format) {
            case "csv" -> bitgrad.pipelines.export.Csv.write(t, out);
            case "json" -> printJson(t, out);
            default -> printTable(t, out);
        }
        return 0;
    }

    /** A damaged artifact's manifest's names (still listed, so that asking for one says it is damaged), or none. */
    private static java.util.Collection<String> unverifiedNames(ArtifactStore store, String[] ref) {
        try {
            ArtifactStore.Manifest m = store.manifest(ref[0], ref[1]);
            return m.files() == null ? List.of()
                    : m.files().keySet().stream().filter(ArtifactStore::isFileName).toList();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static boolean matchesStageFile(String f, String a) {
        String[] p = f.split("/");
        return p.length == 3 && a.equals(p[0] + "/" + p[2]);
    }

    /** A value shortened for the screen: the first floats of a list, six significant digits; CSV and JSON give them whole. */
    private static String cell(Object v) {
        if (v instanceof float[] f && f.length > 4) {
            return bitgrad.pipelines.export.Csv.cell(java.util.Arrays.copyOf(f, 4)).replace("]", " ... (" + f.length + ")]");
        }
        return v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : bitgrad.pipelines.export.Csv.cell(v);
    }

    private void printTable(ColumnTable t, PrintWriter out) {
        List<String> names = new ArrayList<>(t.columns().keySet());
        int rows = Math.min(limit, t.rows());
        int[] width = new int[names.size()];
        List<String[]> cells = new ArrayList<>();
        for (int c = 0; c < names.size(); c++) {
            width[c] = names.get(c).length();
        }
        for (int r = 0; r < rows; r++) {
            String[] row = new String[names.size()];
            for (int c = 0; c < names.size(); c++) {
                row[c] = cell(t.get(names.get(c), r));
                width[c] = Math.max(width[c], row[c].length());
            }
            cells.add(row);
        }
        StringBuilder header = new StringBuilder();
        for (int c = 0; c < names.size(); c++) {
            header.append(String.format("%-" + width[c] + "s  ", names.get(c)));
        }
        out.println(header.toString().stripTrailing());
        for (String[] row : cells) {
            StringBuilder sb = new StringBuilder();
            for (int c = 0; c < row.length; c++) {
                sb.append(String.format("%-" + width[c] + "s  ", row[c]));
            }
            out.println(sb.toString().stripTrailing());
        }
        if (t.rows() > rows) {
            out.printf("... %d more rows (--limit, or --format csv for all)%n", t.rows() - rows);
        }
    }

    private static void printJson(ColumnTable t, PrintWriter out) throws Exception {
        ArrayNode arr = Task.JSON.createArrayNode();
        for (int r = 0; r < t.rows(); r++) {
            ObjectNode o = arr.addObject();
            for (Map.Entry<String, ColumnType> c : t.columns().entrySet()) {
                Object v = t.get(c.getKey(), r);
                if (v == null) {
                    o.putNull(c.getKey());
                } else if (v instanceof float[] f) {
                    ArrayNode a = o.putArray(c.getKey());
                    for (float x : f) {
                        a.add(x);
                    }
                } else if (v instanceof long[] l) {
                    ArrayNode a = o.putArray(c.getKey());
                    for (long x : l) {
                        a.add(x);
                    }
                } else {
                    o.set(c.getKey(), Task.JSON.valueToTree(v));
                }
            }
        }
        out.println(Task.JSON.writeValueAsString(arr));
    }
}
