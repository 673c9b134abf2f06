package bitgrad.pipelines.cli;

import bitgrad.pipelines.report.ReportPage;
import bitgrad.pipelines.run.Plan;
import bitgrad.pipelines.run.Planner;
import bitgrad.pipelines.run.RunOptions;
import bitgrad.pipelines.run.Runner;
import bitgrad.schemas.ArtifactStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bitgrad run EXPERIMENT}: runs an experiment through the cached stage DAG. */
@Command(name = "run", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad run quickstart", "  bitgrad run hparam-search --set dims=[8,16] --set num_init=1", "  bitgrad run runs/<run-id>/run.json        (replay that run exactly)"}, description = {
    "Run an experiment: every stage whose artifacts are cached and valid is skipped; the rest run on Beam.",
    "Prints one line per stage (stage=<name> cache=hit|miss reason=<...> seconds=<s>) and the headline numbers."})
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ExperimentOptions experiment;

    @Option(names = "--force", paramLabel = "STAGE", description = "Recompute this stage even if cached (repeatable).")
    List<String> force = List.of();

    @Option(names = "--from", paramLabel = "STAGE", description = "Recompute this stage and every stage after it.")
    String from;

    @Option(names = "--only", paramLabel = "STAGE", description = "Rerun just this stage (its inputs must be cached).")
    String only;

    @Option(names = "--runner", paramLabel = "R", defaultValue = "direct", description = "direct or flink (default: ${DEFAULT-VALUE}).")
    String runner;

    @Option(names = "--flink-master", paramLabel = "M",
            description = "With --runner flink: [local] (embedded Flink, the default) or host:port of a Flink 1.19 cluster "
                    + "(scripts/flink-cluster start prints it).")
    String flinkMaster;

    @Option(names = "--flink-conf", paramLabel = "DIR",
            description = "With --flink-master host:port: the client's Flink configuration folder, with the TLS keys of a "
                    + "secured cluster (scripts/flink-cluster start prints it as flink-conf=DIR).")
    java.nio.file.Path flinkConf;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "1",
            description = "Concurrent tasks per stage (default: ${DEFAULT-VALUE}; each task already uses every core).")
    int parallelism;

    @Option(names = "--threads", paramLabel = "N",
            description = "Cores this run may use, for shared machines (default: the experiment's 'threads', 0 = all).")
    Integer threads;

    @Option(names = "--name", paramLabel = "NAME",
            description = "Name this run (letters, digits, '.', '_', '-'): part of its id, usable wherever a run id is.")
    String name;

    @Option(names = "--allow-large", description = "Run even when the up-front estimate of disk or memory exceeds this machine.")
    boolean allowLarge;

    @Option(names = "--device", paramLabel = "D", defaultValue = "cpu",
            description = "auto, cpu or gpu (default: ${DEFAULT-VALUE}; this build bundles the CPU engine).")
    String device;

    @Override
    public Integer call() throws Exception {
        if (flinkMaster != null && !"flink".equals(runner)) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--flink-master needs --runner flink");
        }
        String master = flinkMaster == null ? "[local]" : flinkMaster.strip();
        if (!master.equals("[local]") && !master.equals("[auto]") && !master.matches("[A-Za-z0-9.\\-]+:\\d{1,5}")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--flink-master must be [local] or host:port, got '" + flinkMaster + "'");
        }
        if (flinkConf != null && (master.startsWith("[") || !"flink".equals(runner))) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--flink-conf needs --runner flink --flink-master host:port");
        }
        if (flinkConf != null && !java.nio.file.Files.isRegularFile(flinkConf.resolve("flink-conf.yaml"))) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--flink-conf " + flinkConf + ": no flink-conf.yaml in that folder");
        }
        var loaded = experiment.load();
        int cores = threads != null ? threads : loaded.config().threads();
        if (threads != null && threads < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        }
        Threads.limit(cores);
        Plan plan = Planner.plan(loaded, bitgrad.pipelines.run.RunOptions.COMPUTE_DEVICE);
        if (name != null && !name.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--name must be 1-64 letters, digits, '.', '_' or '-', got '" + name + "'");
        }
        List<String> command = new java.util.ArrayList<>(List.of("bitgrad"));
        command.addAll(spec.commandLine().getParseResult().originalArgs());
        RunOptions opts = new RunOptions(experiment.runs.runsDir, new HashSet<>(force), from, only, runner, master, flinkConf, parallelism,
                device, name, command);
        bitgrad.pipelines.run.Budget.check(plan, opts.runsDir(), allowLarge);
        Runner.validate(plan, opts);
        PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
        out.printf(Locale.ROOT, "run experiment=%s source=%s runner=%s runs_dir=%s%n", plan.loaded().config().name(),
                plan.loaded().source().replace(' ', '_'), runner, experiment.runs.runsDir);
        long t0 = System.nanoTime();
        Runner.Outcome o = new Runner(plan, opts, out).run();
        ArtifactStore store = new ArtifactStore(opts.cacheDir());
        long r0 = System.nanoTime();
        ReportPage.Written report;
        try {
            report = ReportPage.write(o.runDir(), store);
        } catch (java.io.IOException | RuntimeException e) {
            // the stages' results are cached: say why the page failed and how to write it again
            String why = bitgrad.pipelines.run.RunRecord.REPORT_FAILED + " (" + Runner.reason(e) + "); the results are cached and 'bitgrad report " + o.runId()
                    + "' writes it again";
            bitgrad.pipelines.run.RunRecord.markFailed(o.runDir(), why);
            throw new bitgrad.pipelines.run.StageFailedException(why, e);
        }
        if (only == null) {
            report.headlines().forEach(out::println);
        }
        out.printf(Locale.ROOT, "stage=report figures=%d seconds=%.2f path=%s%n", report.figures(), (System.nanoTime() - r0) / 1e9,
                report.page());
        out.printf(Locale.ROOT, "run_id=%s seconds=%.2f record=%s%n", o.runId(), (System.nanoTime() - t0) / 1e9,
                o.runDir().resolve("run.json"));
        return 0;
    }
}
