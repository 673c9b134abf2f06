package bitgrad.pipelines.cli;

import bitgrad.pipelines.run.Plan;
import bitgrad.pipelines.run.Planner;
import bitgrad.pipelines.run.RunOptions;
import bitgrad.pipelines.run.Runner;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bitgrad status EXPERIMENT}: each stage's cache state, without running anything. */
@Command(name = "status", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad status quickstart", "  bitgrad status hparam-search --set estimators.nes.samples=[500]"}, description = "Show which stages of an experiment are cached and why not.")
final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ExperimentOptions experiment;

    @Override
    public Integer call() {
        RunsDir.requireExisting(experiment.runs.runsDir);
        Plan plan = Planner.plan(experiment.load(), bitgrad.pipelines.run.RunOptions.COMPUTE_DEVICE);
        var out = spec.commandLine().getOut();
        for (Runner.StageOutcome s : new Runner(plan, RunOptions.defaults(experiment.runs.runsDir), System.out).status()) {
            out.printf(Locale.ROOT, "stage=%s cache=%s reason=%s tasks=%d to_compute=%d%n", s.stage(), s.cache(),
                    s.reason().replace(' ', '_'), s.tasks(), s.computed());
        }
        return 0;
    }
}
