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
        footer = {"  bitgrad runs", "  bitgrad runs --format csv > runs.csv", "  bitgrad runs --runs-dir /data/bitgrad-runs"},
        description = {"List the runs: id, experiment, overrides, status, seconds and the first headline.",
            "A damaged run record is listed as damaged; nothing is changed. --format csv or json gives one row per run with the",
            "columns run, name, experiment, status, started, seconds, overrides and headline."})
final class RunsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = "--format", defaultValue = "lines", paramLabel = "FORMAT",
            description = "lines (default: key=value, one run a line), csv or json.")
    String format;

    @Mixin
    RunsDirOption runs;

    /** The columns of --format csv and json. */
    static final List<String> COLUMNS = List.of("run", "name", "experiment", "status", "started", "seconds", "overrides", "headline");

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
        }
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
                    out.printf(Locale.ROOT, "run=%s experiment=%s status=%s seconds=%s overrides=%s%s%n", row.get("run"),
                            row.get("experiment"), row.get("status"), row.get("seconds") == null ? "none"
                                    : String.format(Locale.ROOT, "%.1f", (Double) row.get("seconds")),
                            overrides.isEmpty() ? "none" : overrides, row.get("headline") == null ? "" : " | " + row.get("headline"));
                }
                if (ids.isEmpty()) {
                    out.println("no runs in " + runs.runsDir);
                }
            }
        }
        return 0;
    }
}
