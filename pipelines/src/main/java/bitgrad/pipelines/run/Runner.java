package bitgrad.pipelines.run;

import bitgrad.pipelines.Versions;
import bitgrad.pipelines.config.ConfigException;
import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.schemas.ArtifactStore;
import bitgrad.transforms.Progress;
import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Runs a plan stage by stage: decides per task whether its cached artifact is valid, runs the
 * missing (or forced) tasks of a stage as one Beam pipeline, verifies what they wrote, prints one
 * summary line per stage, and records everything in {@code runs/<run-id>/run.json} ({@link RunRecord}).
 *
 * <p>Over 400 lines because the checks before a run, the cache decision per stage, the stage loop with its interrupt and
 * failure handling, and the record written at each boundary are one run's lifecycle, read in order.
 */
public final class Runner {

    /**
     * What happened to one stage.
     *
     * @param keys every task's key
     * @param pending the keys of the tasks that were (or, for {@link #status}, would be) computed
     */
    public record StageOutcome(String stage, String cache, String reason, int tasks, int computed, double seconds,
            List<String> keys, List<String> pending) {
    }

    /** What happened in a run. */
    public record Outcome(String runId, Path runDir, List<StageOutcome> stages) {

        /** The outcome of {@code stage}, or null when the plan has no such stage. */
        public StageOutcome stage(String stage) {
            return stages.stream().filter(s -> s.stage().equals(stage)).findFirst().orElse(null);
        }
    }

    private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

    private final Plan plan;
    private final RunOptions opts;
    private final ArtifactStore store;
    private final PrintStream out;

    public Runner(Plan plan, RunOptions opts, PrintStream out) {
        this.plan = plan;
        this.opts = opts;
        this.store = new ArtifactStore(opts.cacheDir());
        this.out = out;
    }

    /** Checks option stage names and that the runs folder is writable, before anything is touched. */
    public static void validate(Plan plan, RunOptions opts) {
        List<String> names = new ArrayList<>(plan.stages().keySet());
        for (String s : opts.force()) {
            requireStage(names, s, "--force");
        }
        if (opts.from() != null) {
            requireStage(names, opts.from(), "--from");
        }
        if (opts.only() != null) {
            requireStage(names, opts.only(), "--only");
        }
        if (!"direct".equals(opts.runner()) && !"flink".equals(opts.runner())) {
            throw new ConfigException("--runner must be direct or flink, got '" + opts.runner() + "'");
        }
        if (opts.parallelism() < 1) {
            throw new ConfigException("--parallelism must be >= 1, got " + opts.parallelism());
        }
        if (!"cpu".equals(opts.device()) && !"auto".equals(opts.device())) {
            throw new ConfigException("--device " + opts.device() + " is not available: this build bundles the CPU engine only");
        }
        if (opts.remoteFlink()) {
            requireSlots(opts);
        }
        try {
            Files.createDirectories(opts.runsDir());
            ArtifactStore.requireInside(opts.runsDir(), opts.cacheDir(), "the runs dir");
            ArtifactStore.requireInside(opts.runsDir(), opts.cacheDir().resolve(".tmp"), "the runs dir");
        } catch (IOException e) {
            throw new ConfigException(e.getMessage() + ": bitgrad writes only inside the runs dir "
                    + "(remove the link, or pass the folder it leads to as --runs-dir)");
        }
        try {
            Files.createDirectories(opts.cacheDir());
            Path probe = Files.createTempFile(opts.runsDir(), ".write-test", "");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new ConfigException("runs dir " + opts.runsDir() + " is not writable: " + reason(e));
        }
    }

    /** A remote cluster must answer and hold the job's parallelism; a TLS cluster needs the client's keys. */
    private static void requireSlots(RunOptions opts) {
        int slots;
        try {
            slots = new FlinkRest(opts.flinkMaster(), opts.flinkConf()).slotsTotal();
        } catch (IOException e) {
            String hint = FlinkRest.TLS_ONLY.equals(e.getMessage())
                    ? ": pass --flink-conf DIR, the folder scripts/flink-cluster start printed as flink-conf=DIR" : "";
            throw new ConfigException("cannot reach the Flink cluster at " + opts.flinkMaster() + " (" + reason(e) + ")" + hint);
        }
        if (slots < opts.parallelism()) {
            throw new ConfigException("the Flink cluster at " + opts.flinkMaster() + " has " + slots + " task slot" + (slots == 1 ? "" : "s")
                    + ", --parallelism " + opts.parallelism() + " needs " + opts.parallelism()
                    + (slots == 0 ? ": " + FlinkJobWatch.RESTART : ""));
        }
    }

    private static void requireStage(List<String> names, String stage, String option) {
        if (!names.contains(stage)) {
            throw new ConfigException(option + " " + stage + ": not a stage of this experiment; stages: " + String.join(", ", names));
        }
    }

    /** Decides, for every stage, which tasks are cached: what {@code status} shows. */
    public List<StageOutcome> status() {
        List<StageOutcome> list = new ArrayList<>();
        for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
            Decision d = decide(e.getKey(), e.getValue());
            list.add(new StageOutcome(e.getKey(), d.toRun.isEmpty() ? "hit" : "miss", d.reason, e.getValue().size(),
                    d.toRun.size(), 0, keys(e.getValue()), keys(d.toRun)));
        }
        return list;
    }

    private record Decision(List<Task> toRun, String reason, boolean forced) {
    }

    private Decision decide(String stage, List<Task> tasks) {
        List<String> order = new ArrayList<>(plan.stages().keySet());
        boolean forced = opts.force().contains(stage)
                || (opts.from() != null && order.indexOf(stage) >= order.indexOf(opts.from()));
        if (opts.only() != null && stage.equals(opts.only())) {
            forced = forced || opts.force().isEmpty() && opts.from() == null;
        }
        if (forced) {
            return new Decision(tasks, opts.force().contains(stage) ? "forced (--force)"
                    : opts.from() != null ? "forced (--from " + opts.from() + ")" : "rerun (--only)", true);
        }
        List<Task> missing = new ArrayList<>();
        Map<String, Integer> reasons = new LinkedHashMap<>();
        for (Task t : tasks) {
            ArtifactStore.Check c = Stages.check(store, t.stage(), t.key());
            if (!c.valid()) {
                missing.add(t);
                reasons.merge(c.reason(), 1, Integer::sum);
            }
        }
        if (missing.isEmpty()) {
            return new Decision(missing, "cached", false);
        }
        List<String> parts = new ArrayList<>();
        reasons.forEach((r, n) -> parts.add(n + "/" + tasks.size() + " " + r));
        return new Decision(missing, String.join(", ", parts), false);
    }

    /** Runs the plan. */
    public Outcome run() {
        if (opts.only() != null) {
            requireInputsCached(); // a usage error: no run folder, no record
        }
        String runId = ID.format(Instant.now()) + "-" + opts.stem(plan.loaded().config().name());
        Path runDir = opts.runsDir().resolve(runId);
        Instant started = Instant.now();
        try {
            int cleaned = store.removeLeftovers();
            if (cleaned > 0) {
                out.printf(Locale.ROOT, "cleanup removed=%d temporaries of processes that died%n", cleaned);
            }
        } catch (IOException e) {
            out.println("bitgrad: could not remove temporaries of dead processes: " + e.getMessage());
        }
        nativeLibrariesInCache();
        if (opts.remoteFlink()) {
            try {
                List<String> orphans = FlinkJobWatch.cancelOrphans(new FlinkRest(opts.flinkMaster(), opts.flinkConf()));
                if (!orphans.isEmpty()) {
                    out.printf(Locale.ROOT, "cleanup cancelled=%d Flink jobs of clients that died (%s)%n", orphans.size(),
                            String.join(", ", orphans));
                }
            } catch (IOException e) {
                out.println("bitgrad: could not list the Flink cluster's jobs: " + reason(e));
            }
        }
        List<StageOutcome> done = new java.util.concurrent.CopyOnWriteArrayList<>();
        String error = null;
        RunLease lease = null;
        Thread onSignal = null;
        java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            // another run may start in the same millisecond on the same runs dir: claim the folder atomically
            Files.createDirectories(opts.runsDir());
            for (int n = 2; ; n++) {
                try {
                    Files.createDirectory(runDir);
                    break;
                } catch (java.nio.file.FileAlreadyExistsException taken) {
                    runId = ID.format(started) + "-" + opts.stem(plan.loaded().config().name()) + "-" + n;
                    runDir = opts.runsDir().resolve(runId);
                }
            }
            List<String> artifacts = new ArrayList<>();
            plan.stages().forEach((stage, tasks) -> tasks.forEach(t -> artifacts.add(stage + "/" + t.key())));
            lease = RunLease.take(opts.cacheDir(), runDir, artifacts);
            // a record from the first second: running, then (SIGINT, SIGTERM) interrupted, or at the end ok or failed
            writeRecord(runId, runDir, started, done, null, RunRecord.RUNNING);
            final String id = runId;
            final Path dir = runDir;
            onSignal = new Thread(() -> {
                if (over.compareAndSet(false, true)) {
                    String during = current == null ? "before its first stage" : "during stage " + current;
                    writeRecord(id, dir, started, done, "interrupted " + during, RunRecord.INTERRUPTED);
                    System.err.println("bitgrad: run " + id + " interrupted " + during + "; its finished tasks are cached:"
                            + " the same command resumes it");
                }
            }, "bitgrad-interrupted-record");
            Runtime.getRuntime().addShutdownHook(onSignal);
            resumeNote(runId, artifacts);
            for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
                String stage = e.getKey();
                if (opts.only() != null && !stage.equals(opts.only())) {
                    continue;
                }
                current = stage;
                if (!over.get()) { // after SIGINT the hook's interrupted record stands
                    writeRecord(runId, runDir, started, done, null, RunRecord.RUNNING);
                }
                done.add(runStage(stage, e.getValue()));
            }
            return new Outcome(runId, runDir, done);
        } catch (RuntimeException | IOException e) {
            error = e.getMessage();
            throw e instanceof RuntimeException r ? r : new StageFailedException(e.getMessage(), e);
        } finally {
            if (over.compareAndSet(false, true)) {
                writeRecord(runId, runDir, started, done, error, error == null ? "ok" : "failed");
            }
            if (onSignal != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(onSignal);
                } catch (IllegalStateException shuttingDown) {
                    // the JVM is exiting: the hook has run or will find the record written
                }
            }
            if (lease != null) {
                try {
                    lease.close();
                } catch (IOException e) {
                    out.println("bitgrad: could not release the lease of run " + runId + ": " + e.getMessage());
                }
            }
        }
    }

    /** Set by the CLI's {@code main}: this JVM is one bitgrad command, and process-wide settings are its own. */
    public static final String STANDALONE = "bitgrad.standalone";

    /**
     * Points the native libraries that unpack themselves into the system temp folder (snappy, for
     * Beam's coders) at a folder of this run's cache temp area, named for this process: what a killed
     * run leaves there is removed by the next run's cleanup, like any temporary of a dead process.
     * Only in a standalone CLI process (the setting is process-wide and read once).
     */
    private void nativeLibrariesInCache() {
        if (!Boolean.getBoolean(STANDALONE) || System.getProperty("org.xerial.snappy.tempdir") != null) {
            return;
        }
        try {
            Path dir = store.root().resolve(".tmp").resolve("native-" + ArtifactStore.ownerTag() + "-" + java.util.UUID.randomUUID());
            Files.createDirectories(dir);
            dir.toFile().deleteOnExit(); // after the library file, which is registered later
            System.setProperty("org.xerial.snappy.tempdir", dir.toString());
        } catch (IOException e) {
            // the library then unpacks into the system temp folder, as before
        }
    }

    private void requireInputsCached() {
        for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
            if (e.getKey().equals(opts.only())) {
                return;
            }
            for (Task t : e.getValue()) {
                if (!Stages.check(store, t.stage(), t.key()).valid()) {
                    throw new ConfigException("--only " + opts.only() + " needs its inputs cached, but stage " + e.getKey()
                            + " is not (run without --only first)");
                }
            }
        }
    }

    /** The cost model, made on first use (it measures the matmul rate once). */
    private CostModel costModel;

    /** Each task's predicted seconds (the progress line's ETA); empty if the model cannot price them. */
    private Map<String, Double> predicted(String stage, List<Task> tasks) {
        try {
            if (costModel == null) {
                costModel = CostModel.calibrated(store, bitgrad.models.bench.MatmulRate.gflops());
            }
            return costModel.taskSeconds(stage, tasks, plan);
        } catch (IOException | RuntimeException e) {
            return Map.of(); // the ETA then extrapolates from the tasks done
        }
    }

    private StageOutcome runStage(String stage, List<Task> tasks) {
        long t0 = System.nanoTime();
        Decision d = decide(stage, tasks);
        if (!d.toRun.isEmpty()) {
            out.printf(Locale.ROOT, "stage=%s running %d of %d tasks (%s)%n", stage, d.toRun.size(), tasks.size(), d.reason);
            Progress.start(stage, d.toRun.size(), predicted(stage, d.toRun));
            try {
                BeamStages.run(opts, stage, d.toRun, d.forced);
            } catch (RuntimeException e) {
                throw new StageFailedException("stage " + stage + " failed: " + rootMessage(e), e);
            }
            for (Task t : tasks) {
                ArtifactStore.Check c = Stages.check(store, t.stage(), t.key());
                if (!c.valid()) {
                    throw new StageFailedException("stage " + stage + " failed: task " + t.key() + " left no valid artifact ("
                            + c.reason() + ")", null);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        StageOutcome o = new StageOutcome(stage, d.toRun.isEmpty() ? "hit" : "miss", d.reason, tasks.size(), d.toRun.size(),
                seconds, keys(tasks), keys(d.toRun));
        out.printf(Locale.ROOT, "stage=%s cache=%s reason=%s tasks=%d computed=%d seconds=%.2f%n", stage, o.cache(),
                o.reason().replace(' ', '_'), o.tasks(), o.computed(), seconds);
        return o;
    }

    private static List<String> keys(List<Task> tasks) {
        return tasks.stream().map(Task::key).toList();
    }

    /** The innermost message of an exception chain (what the failing task said). */
    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        if (t instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
            return f.getFile() + ": " + reason(f); // its message is only the path: say what happened to it
        }
        String m = t.getMessage();
        return m == null ? t.getClass().getSimpleName() : m;
    }

    /** The stage the run is computing (for the record of an interrupted run). */
    private volatile String current;

    /**
     * Says, before the stages run, how much of the plan earlier runs left in the cache, naming the
     * newest unfinished run (interrupted, killed or failed) of the same experiment and overrides.
     */
    private void resumeNote(String runId, List<String> artifacts) {
        long cached = artifacts.stream().filter(a -> Files.isRegularFile(opts.cacheDir().resolve(a).resolve("manifest.json"))).count();
        if (cached == 0 || cached == artifacts.size()) {
            return;
        }
        String from = "";
        try (java.util.stream.Stream<Path> dirs = Files.list(opts.runsDir())) {
            for (Path d : dirs.sorted(java.util.Comparator.reverseOrder()).toList()) {
                if (d.getFileName().toString().equals(runId) || !Files.isRegularFile(d.resolve("run.json"))) {
                    continue;
                }
                com.fasterxml.jackson.databind.JsonNode r = Task.JSON.readTree(d.resolve("run.json").toFile());
                String status = r.path("status").asText();
                boolean same = r.path("experiment").asText().equals(plan.loaded().config().name())
                        && r.path("overrides").equals(Task.JSON.valueToTree(plan.loaded().overrides()));
                if (same && !status.equals("ok")) {
                    String state = RunLease.state(d, status);
                    if (!state.equals(RunRecord.RUNNING)) {
                        from = " left by run " + d.getFileName() + " (" + state + ")";
                        break;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the note is a courtesy: an unreadable record leaves it without a name
        }
        out.printf(Locale.ROOT, "resume: %d of %d planned tasks are cached%s; computing the other %d%n", cached, artifacts.size(), from,
                artifacts.size() - cached);
    }

    private void writeRecord(String runId, Path runDir, Instant started, List<StageOutcome> stages, String error, String status) {
        boolean running = status.equals(RunRecord.RUNNING);
        Map<String, String> versions = new java.util.LinkedHashMap<>();
        for (String k : List.of("version", "djl", "pytorch", "beam", "arrow")) {
            versions.put(k.equals("version") ? "bitgrad" : k, Versions.get(k));
        }
        versions.put("java", System.getProperty("java.version"));
        String dirty = Versions.get("git_dirty");
        List<RunRecord.Stage> done = new ArrayList<>();
        for (StageOutcome s : stages) {
            done.add(new RunRecord.Stage(s.stage(), s.cache(), s.reason(), s.tasks(), s.computed(), s.seconds(),
                    Stages.version(s.stage()), s.keys().stream().map(k -> s.stage() + "/" + k).toList()));
        }
        // what the plan would have made: an unfinished run's finished tasks are kept by gc, as a killed run's are
        List<String> planned = null;
        if (!status.equals("ok")) {
            planned = new ArrayList<>();
            for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
                for (Task t : e.getValue()) {
                    planned.add(e.getKey() + "/" + t.key());
                }
            }
        }
        ExperimentConfig c = plan.loaded().config();
        RunRecord r = new RunRecord(runId, status, error, running ? ProcessHandle.current().pid() : null, running ? current : null,
                c.name(), plan.loaded().source(), plan.loaded().overrides(), opts.name(), opts.command(), c.seed(), plan.loaded().tree(),
                versions, Versions.get("git_commit"), // the build's own commit, recorded when the jar was built: never the user's repository
                dirty.equals("true") || dirty.equals("false") ? (Object) Boolean.parseBoolean(dirty) : dirty, host(),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"), opts.runner(),
                "flink".equals(opts.runner()) ? opts.flinkMaster() : null, opts.parallelism(), opts.device(), started.toString(),
                running ? null : Instant.now().toString(), (Instant.now().toEpochMilli() - started.toEpochMilli()) / 1000.0, done, planned);
        try {
            r.write(runDir);
        } catch (IOException e) {
            out.println("bitgrad: could not write " + runDir.resolve("run.json") + ": " + e.getMessage());
        }
    }

    /**
     * Why a file operation failed, in the operating system's words ("No space left on device",
     * "File too large", "permission denied") rather than as an exception with paths.
     */
    public static String reason(Exception e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            // without a reason the message is only the path
            return f.getReason() != null ? f.getReason()
                    : f instanceof java.nio.file.NoSuchFileException ? "no such file"
                    : f instanceof java.nio.file.FileAlreadyExistsException ? "already exists" : "cannot be used";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String host() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
