package bitgrad.pipelines.cli;

import bitgrad.pipelines.run.Plan;
import bitgrad.pipelines.run.Planner;
import bitgrad.pipelines.run.RunOptions;
import bitgrad.pipelines.run.Runner;
import bitgrad.pipelines.run.Staleness;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bitgrad status EXPERIMENT}: each stage's cache state, without running anything. */
@Command(name = "status", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad status quickstart", "  bitgrad status hparam-search --set estimators.nes.samples=[500]"}, description = {"Show which stages of an experiment are cached, why the others are not, and how long they would take.",
    "For a stale stage: the parameters in which its tasks differ from the closest cached ones (changed=<param>:<tasks>;",
    "'inputs' when an upstream task changed, 'code_version' when the stage's code did), and an estimate of the time to",
    "compute, from the seconds this machine took for the cached tasks of the same stage."})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ExperimentOptions experiment;

    @Override
    public Integer call() throws java.io.IOException {
        RunsDir.requireExisting(experiment.runs.runsDir);
        Plan plan = Planner.plan(experiment.load(), bitgrad.pipelines.run.RunOptions.COMPUTE_DEVICE);
        var out = spec.commandLine().getOut();
        var store = new bitgrad.schemas.ArtifactStore(experiment.runs.runsDir.resolve("cache"));
        double total = 0;
        boolean known = true;
        for (Runner.StageOutcome s : new Runner(plan, RunOptions.defaults(experiment.runs.runsDir), System.out).status()) {
            String extra = "";
            if (s.computed() > 0) {
                Staleness.Explained e = Staleness.explain(store, s.stage(), plan.stages().get(s.stage()),
                        new java.util.HashSet<>(s.pending()));
                StringBuilder why = new StringBuilder();
                e.changed().forEach((k, n) -> why.append(why.length() == 0 ? "" : ",").append(k).append(':').append(n));
                extra = " changed=" + why + (Double.isNaN(e.etaSeconds()) ? " eta_seconds=unknown"
                        : String.format(Locale.ROOT, " eta_seconds=%.0f", e.etaSeconds()));
                known &= !Double.isNaN(e.etaSeconds());
                total += Double.isNaN(e.etaSeconds()) ? 0 : e.etaSeconds();
            }
            out.printf(Locale.ROOT, "stage=%s cache=%s reason=%s tasks=%d to_compute=%d%s%n", s.stage(), s.cache(),
                    s.reason().replace(' ', '_'), s.tasks(), s.computed(), extra);
        }
        var budget = bitgrad.pipelines.run.Budget.of(plan, experiment.runs.runsDir.resolve("cache"));
        out.printf(Locale.ROOT, "needs disk=%s largest_task_memory=%s (%s)%n", bitgrad.pipelines.run.Budget.human(budget.diskBytes())
                .replace(' ', '_'), bitgrad.pipelines.run.Budget.human(budget.memoryBytes()).replace(' ', '_'), budget.memoryTask());
        out.printf(Locale.ROOT, "eta_seconds=%s%s%n", String.format(Locale.ROOT, "%.0f", total),
                known ? "" : " (at least: some stages were never run on this machine)");
        return 0;
    }
}
