package bitgrad.pipelines.cli;

import bitgrad.pipelines.report.ReportPage;
import bitgrad.schemas.ArtifactStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bitgrad runs}: one line per run of the runs folder, oldest first. */
@Command(name = "runs", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n",
        footer = {"  bitgrad runs", "  bitgrad runs --where status=ok --where experiment=hparam-search --sort -seconds",
            "  bitgrad runs --format csv > runs.csv", "  bitgrad runs --runs-dir /data/bitgrad-runs"},
        description = {"List the runs: id, experiment, overrides, status, seconds and the first headline.",
            "Status: ok, failed, running, interrupted, killed, or damaged (nothing is changed). --format csv or json: a row per run,",
            "columns run, name, experiment, status, started, seconds, overrides, headline and replay_of; --where and --sort",
            "filter and order them."})
final class RunsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = "--format", defaultValue = "lines", paramLabel = "FORMAT",
            description = "lines (default: key=value, one run a line), csv or json.")
    String format;

    @picocli.CommandLine.Option(names = "--where", paramLabel = "COLUMN=VALUE", description = "Only runs whose column has this value "
            + "(overrides and headline: contain it); repeatable, all must hold. E.g. --where status=ok --where overrides=samples.")
    List<String> where = new ArrayList<>();

    @picocli.CommandLine.Option(names = "--sort", paramLabel = "COLUMN", defaultValue = "run", description = "Order by this column, "
            + "-COLUMN for descending (default: run, i.e. by start time).")
    String sort;

    @Mixin
    RunsDirOption runs;

    /** The columns of --format csv and json. */
    static final List<String> COLUMNS = List.of("run", "name", "experiment", "status", "started", "seconds", "overrides", "headline",
            "replay_of");

    /** One CSV field: empty for none, quoted (quotes doubled) when it holds a comma, quote or line break. */
    static String csv(Object v) {
        if (v == null) {
            return "";
        }
        String t = v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : v.toString();
        return t.contains(",") || t.contains("\"") || t.contains("\n") ? "\"" + t.replace("\"", "\"\"") + "\"" : t;
    }

    @Override
    public Integer call() throws Exception {
        RunsDir.requireExisting(runs.runsDir);
        if (!List.of("lines", "csv", "json").contains(format)) {
            throw new bitgrad.pipelines.config.ConfigException("--format must be lines, csv or json, got '" + format + "'");
        }
        PrintWriter out = spec.commandLine().getOut();
        ArtifactStore store = new ArtifactStore(runs.runsDir.resolve("cache"));
        List<String> ids = RunsDir.runIds(runs.runsDir);
        List<java.util.Map<String, Object>> rows = new ArrayList<>();
        for (String id : ids) {
            java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
            COLUMNS.forEach(c -> row.put(c, null));
            row.put("run", id);
            rows.add(row);
            JsonNode rec;
            try {
                rec = RunsDir.record(runs.runsDir, id);
            } catch (RuntimeException e) {
                row.put("status", "damaged");
                continue;
            }
            List<String> overrides = new ArrayList<>();
            rec.path("overrides").forEach(o -> overrides.add(o.asText()));
            List<String> headlines = ReportPage.headlines(rec, store);
            row.put("name", rec.path("name").isTextual() ? rec.path("name").asText() : null);
            row.put("experiment", rec.path("experiment").asText());
            row.put("status", RunsDir.state(runs.runsDir, id, rec));
            row.put("started", rec.path("started").isTextual() ? rec.path("started").asText() : null);
            row.put("seconds", rec.path("seconds").isNumber() ? rec.path("seconds").asDouble() : null);
            row.put("overrides", String.join(",", overrides));
            row.put("headline", headlines.isEmpty() ? null : headlines.get(0));
            String source = rec.path("source").asText();
            row.put("replay_of", source.startsWith(bitgrad.pipelines.config.ConfigLoader.REPLAY)
                    ? source.substring(bitgrad.pipelines.config.ConfigLoader.REPLAY.length()) : null);
        }
        rows = select(rows, where, sort);
        switch (format) {
            case "json" -> out.println(bitgrad.transforms.Task.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(rows));
            case "csv" -> {
                out.println(String.join(",", COLUMNS));
                for (java.util.Map<String, Object> row : rows) {
                    out.println(String.join(",", COLUMNS.stream().map(c -> csv(row.get(c))).toList()));
                }
            }
            default -> {
                for (java.util.Map<String, Object> row : rows) {
                    if ("damaged".equals(row.get("status")) && row.get("experiment") == null) {
                        out.printf(Locale.ROOT, "run=%s status=damaged%n", row.get("run"));
                        continue;
                    }
                    String overrides = (String) row.get("overrides");
                    out.printf(Locale.ROOT, "run=%s experiment=%s status=%s seconds=%s overrides=%s%s%s%n", row.get("run"),
                            row.get("experiment"), row.get("status"), row.get("seconds") == null ? "none"
                                    : String.format(Locale.ROOT, "%.1f", (Double) row.get("seconds")),
                            overrides.isEmpty() ? "none" : overrides, row.get("replay_of") == null ? "" : " replay_of=" + row.get("replay_of"),
                            row.get("headline") == null ? "" : " | " + row.get("headline"));
                }
                if (ids.isEmpty()) {
                    out.println("no runs in " + runs.runsDir);
                }
            }
        }
        return 0;
    }

    /** The rows that meet every {@code COLUMN=VALUE} of {@code where}, ordered by {@code sort} ({@code -COLUMN}: descending). */
    static List<java.util.Map<String, Object>> select(List<java.util.Map<String, Object>> rows, List<String> where, String sort) {
        List<java.util.Map<String, Object>> out = new ArrayList<>(rows);
        for (String w : where) {
            int eq = w.indexOf('=');
            String column = eq < 0 ? w : w.substring(0, eq);
            if (eq < 0 || !COLUMNS.contains(column)) {
                throw new bitgrad.pipelines.config.ConfigException("--where takes COLUMN=VALUE with a column of " + String.join(", ", COLUMNS)
                        + ", got '" + w + "'");
            }
            String value = w.substring(eq + 1);
            boolean contains = column.equals("overrides") || column.equals("headline");
            out.removeIf(r -> {
                Object v = r.get(column);
                String text = v == null ? "" : v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : v.toString();
                return contains ? !text.contains(value) : !text.equals(value);
            });
        }
        boolean descending = sort.startsWith("-");
        String column = descending ? sort.substring(1) : sort;
        if (!COLUMNS.contains(column)) {
            throw new bitgrad.pipelines.config.ConfigException("--sort takes a column of " + String.join(", ", COLUMNS) + ", got '" + sort
                    + "'");
        }
        java.util.Comparator<java.util.Map<String, Object>> byColumn = (a, b) -> {
            Object x = a.get(column);
            Object y = b.get(column);
            if (x == null || y == null) {
                return x == null ? (y == null ? 0 : 1) : -1; // runs without the value last
            }
            return x instanceof Double dx && y instanceof Double dy ? Double.compare(dx, dy) : x.toString().compareTo(y.toString());
        };
        out.sort(descending ? (a, b) -> {
            Object x = a.get(column);
            Object y = b.get(column);
            return x == null || y == null ? byColumn.compare(a, b) : -byColumn.compare(a, b);
        } : byColumn);
        return out;
    }
}
