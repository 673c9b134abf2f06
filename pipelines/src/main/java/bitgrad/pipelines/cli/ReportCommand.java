package bitgrad.pipelines.cli;

import bitgrad.pipelines.report.ReportPage;
import bitgrad.schemas.ArtifactStore;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bitgrad report RUN}: re-renders a run's figures and report.html from cached artifacts. */
@Command(name = "report", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad report latest", "  bitgrad report 20261128-131347-723-rosenbrock"},
        description = "Re-render a run's figures and report.html from its cached artifacts, without recomputing.")
final class ReportCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN", description = "Run id, a unique prefix of one, or 'latest'.")
    String run;

    @picocli.CommandLine.Mixin

    RunsDirOption runs;

    @Override
    public Integer call() throws Exception {
        RunsDir.requireExisting(runs.runsDir);
        String id = RunsDir.resolve(runs.runsDir, run);
        RunsDir.record(runs.runsDir, id); // a damaged record is a one-line error, before anything is rendered
        ReportPage.Written report = ReportPage.write(runs.runsDir.resolve(id), new ArtifactStore(runs.runsDir.resolve("cache")));
        bitgrad.pipelines.run.RunRecord.markReportWritten(runs.runsDir.resolve(id));
        spec.commandLine().getOut().printf("report figures=%d path=%s%n", report.figures(), report.page());
        return 0;
    }
}
