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
        footer = {"  bitgrad runs", "  bitgrad runs --runs-dir /data/bitgrad-runs"},
        description = {"List the runs: id, experiment, overrides, status, seconds and the first headline.",
            "A damaged run record is listed as damaged; nothing is changed."})
final class RunsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    RunsDirOption runs;

    @Override
    public Integer call() throws Exception {
        RunsDir.requireExisting(runs.runsDir);
        PrintWriter out = spec.commandLine().getOut();
        ArtifactStore store = new ArtifactStore(runs.runsDir.resolve("cache"));
        List<String> ids = RunsDir.runIds(runs.runsDir);
        for (String id : ids) {
            JsonNode rec;
            try {
                rec = RunsDir.record(runs.runsDir, id);
            } catch (RuntimeException e) {
                out.printf(Locale.ROOT, "run=%s status=damaged%n", id);
                continue;
            }
            List<String> overrides = new ArrayList<>();
            rec.path("overrides").forEach(o -> overrides.add(o.asText()));
            List<String> headlines = ReportPage.headlines(rec, store);
            out.printf(Locale.ROOT, "run=%s experiment=%s status=%s seconds=%s overrides=%s%s%n", id, rec.path("experiment").asText(),
                    rec.path("status").asText(), rec.path("seconds").isNumber() ? String.format(Locale.ROOT, "%.1f",
                            rec.path("seconds").asDouble()) : "none", overrides.isEmpty() ? "none" : String.join(",", overrides),
                    headlines.isEmpty() ? "" : " | " + headlines.get(0));
        }
        if (ids.isEmpty()) {
            out.println("no runs in " + runs.runsDir);
        }
        return 0;
    }
}
