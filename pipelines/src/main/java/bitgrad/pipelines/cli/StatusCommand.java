package bitgrad.pipelines.cli;

import bitgrad.pipelines.run.Plan;
import bitgrad.pipelines.run.Planner;
import bitgrad.pipelines.run.RunOptions;
import bitgrad.pipelines.run.Runner;
import bitgrad.pipelines.run.Staleness;
import bitgrad.models.bench.MatmulRate;
import bitgrad.pipelines.run.CostModel;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bitgrad status EXPERIMENT}: each stage's cache state, without running anything. */
@Command(name = "status", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad status quickstart",
    "  bitgrad status hparam-search --set estimators.nes.samples=[500]", "  bitgrad status hparam-search --slots 32"},
        description = {"Show which stages of an experiment are cached, why the others are not, and how long they would take.",
            "For a stale stage: the parameters in which its tasks differ from the closest cached ones (changed=<param>:<tasks>;",
            "'inputs' when an upstream task changed, 'code_version' when the stage's code did), and the seconds its tasks should",
            "take here: each task's work in closed form priced at this machine's matmul rate (cost=<kind>:probe), scaled by",
            "how long cached tasks of that kind took (cost=<kind>:cached_<n>). With --slots N, the time on a cluster of N task",
            "slots, each a machine like this one running one task (makespan_seconds)."})
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ExperimentOptions experiment;

    @Option(names = "--slots", paramLabel = "N", description = "Also estimate the time on a cluster of N task slots.")
    Integer slots;

    @Override
    public Integer call() throws java.io.IOException {
        RunsDir.requireExisting(experiment.runs.runsDir);
        if (slots != null) {
            Check.within(spec, "--slots", slots, 1, 100_000);
        }
        Plan plan = Planner.plan(experiment.load(), bitgrad.pipelines.run.RunOptions.COMPUTE_DEVICE);
        var out = spec.commandLine().getOut();
        var store = new bitgrad.schemas.ArtifactStore(experiment.runs.runsDir.resolve("cache"));
        double gflops = MatmulRate.gflops();
        CostModel model = CostModel.calibrated(store, gflops);
        Map<String, Collection<String>> pending = new LinkedHashMap<>();
        List<Runner.StageOutcome> stages = new Runner(plan, RunOptions.defaults(experiment.runs.runsDir), System.out).status();
        stages.forEach(s -> pending.put(s.stage(), new HashSet<>(s.pending())));
        CostModel.Estimate here = model.estimate(plan, pending, 1);
        Map<String, CostModel.StageCost> cost = new HashMap<>();
        here.stages().forEach(c -> cost.put(c.stage(), c));
        for (Runner.StageOutcome s : stages) {
            String extra = "";
            if (s.computed() > 0) {
                Staleness.Explained e = Staleness.explain(store, s.stage(), plan.stages().get(s.stage()), pending.get(s.stage()));
                StringBuilder why = new StringBuilder();
                e.changed().forEach((k, n) -> why.append(why.length() == 0 ? "" : ",").append(k).append(':').append(n));
                CostModel.StageCost c = cost.get(s.stage());
                extra = " changed=" + why + String.format(Locale.ROOT, " eta_seconds=%.0f cost=%s", c.seconds(), c.source());
            }
            out.printf(Locale.ROOT, "stage=%s cache=%s reason=%s tasks=%d to_compute=%d%s%n", s.stage(), s.cache(),
                    s.reason().replace(' ', '_'), s.tasks(), s.computed(), extra);
        }
        var budget = bitgrad.pipelines.run.Budget.of(plan, experiment.runs.runsDir.resolve("cache"));
        out.printf(Locale.ROOT, "needs disk=%s largest_task_memory=%s (%s)%n", bitgrad.pipelines.run.Budget.human(budget.diskBytes())
                .replace(' ', '_'), bitgrad.pipelines.run.Budget.human(budget.memoryBytes()).replace(' ', '_'), budget.memoryTask());
        out.printf(Locale.ROOT, "eta_seconds=%.0f matmul_gflops=%.0f (this machine; stages one after another, each task on every core)%n",
                here.seconds(), gflops);
        if (slots != null) {
            out.printf(Locale.ROOT, "makespan_seconds=%.0f slots=%d (each slot a machine like this one; tasks longest first)%n",
                    model.estimate(plan, pending, slots).seconds(), slots);
        }
        return 0;
    }
}
