package bitgrad.transforms;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * The one DoFn of every stage: take a {@link Task} (JSON), compute its artifact with the
 * {@link Stage} it names unless a valid one is already cached, check that exactly the declared
 * files were written, commit it atomically, and emit a one-line JSON result. A task computes into
 * a worker-local staging folder; its files then go into the store through Beam's FileSystems and
 * are renamed into place. Native resources never live in fields: each computation opens and
 * closes its own.
 */
public final class StageFn extends DoFn<String, String> {

    private final String stageName;
    private final String storeRoot;
    private final boolean force;
    private final Counter computed = Metrics.counter(StageFn.class, "tasksComputed");
    private final Counter hits = Metrics.counter(StageFn.class, "tasksAlreadyCached");
    /**
     * Tasks computing in this JVM now: a task records the most it saw beside itself ({@code
     * concurrent}), so its seconds can be read as its share of the machine (the cost model does).
     */
    private static final java.util.concurrent.atomic.AtomicInteger IN_FLIGHT = new java.util.concurrent.atomic.AtomicInteger();
    private transient ArtifactStore store;
    private transient Stage<?> stage;

    /**
     * @param stageName the stage (looked up in {@link Stages} on each worker)
     * @param storeRoot the cache folder
     * @param force recompute and replace even when a valid artifact exists
     */
    public StageFn(String stageName, String storeRoot, boolean force) {
        this.stageName = stageName;
        this.storeRoot = storeRoot;
        this.force = force;
    }

    @Setup
    public void setup() {
        store = new ArtifactStore(Path.of(storeRoot));
        stage = Stages.get(stageName);
    }

    @ProcessElement
    public void process(@Element String json, OutputReceiver<String> out) throws Exception {
        List<Task> todo = new ArrayList<>();
        for (Task t : TaskGroups.parse(json)) {
            if (!t.stage().equals(stageName)) {
                throw new IllegalArgumentException("a " + t.stage() + " task reached the " + stageName + " stage");
            }
            if (!force && Stages.check(store, t.stage(), t.key()).valid()) {
                hits.inc();
                out.output(result(t, "hit", 0));
            } else {
                todo.add(t);
            }
        }
        if (!todo.isEmpty()) {
            computeAll(stage, todo, out);
        }
    }

    /**
     * Computes {@code tasks} (one, or the uncached members of a group) each into its own staging
     * folder, checks and commits each; a group's seconds are shared equally among its members.
     */
    private <P extends Record> void computeAll(Stage<P> s, List<Task> tasks, OutputReceiver<String> out) throws Exception {
        long t0 = System.nanoTime();
        int atStart = IN_FLIGHT.incrementAndGet();
        Path localTmp = Path.of(System.getProperty("java.io.tmpdir"));
        List<ArtifactStore.Pending> pending = new ArrayList<>();
        try {
            List<StageContext<P>> contexts = new ArrayList<>();
            List<Map<String, Object>> infos = new ArrayList<>();
            for (Task t : tasks) {
                ArtifactStore.Pending p = store.begin(t.stage(), t.key(), localTmp, StageFn::writeThroughBeam);
                pending.add(p);
                Map<String, Object> info = new LinkedHashMap<>();
                infos.add(info);
                contexts.add(new StageContext<>(t, StageParams.read(t.params(), s.params()), store, p, info));
            }
            List<String> labels = tasks.size() == 1 ? List.of(s.compute(contexts.get(0))) : s.computeGroup(contexts);
            double seconds = (System.nanoTime() - t0) / 1e9 / tasks.size();
            int concurrent = Math.max(atStart, IN_FLIGHT.get());
            for (int i = 0; i < tasks.size(); i++) {
                Task t = tasks.get(i);
                checkOutputs(s, pending.get(i).files());
                Map<String, Object> info = infos.get(i);
                info.put("seconds", seconds);
                info.put("concurrent", concurrent);
                if (tasks.size() > 1) {
                    info.put("computed_with", tasks.size());
                }
                info.put("label", labels.get(i));
                info.put("task", Task.JSON.readTree(t.toJson()));
                pending.get(i).commit(info, force, s.requiredFiles());
                computed.inc();
                Progress.done(t.stage(), t.key(), labels.get(i), seconds);
                out.output(result(t, "computed", seconds));
            }
        } finally {
            IN_FLIGHT.decrementAndGet();
            for (ArtifactStore.Pending p : pending) {
                p.close();
            }
        }
    }

    /** Exactly the declared files (every single one, any matching a pattern), each table of its declared schema. */
    static void checkOutputs(Stage<?> s, Path staging) throws IOException {
        java.util.List<String> written = new java.util.ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.list(staging)) {
            files.forEach(f -> written.add(f.getFileName().toString()));
        }
        for (String file : s.requiredFiles()) {
            if (!written.contains(file)) {
                throw new IllegalStateException("stage " + s.name() + " did not write its declared " + file);
            }
        }
        java.util.Set<String> undeclared = new java.util.TreeSet<>();
        for (String name : written) {
            Stage.Output o = s.outputs().stream().filter(x -> x.matches(name)).findFirst().orElse(null);
            if (o == null) {
                undeclared.add(name);
            } else if (o.schema() != null) {
                try (ArrowFiles.Reader r = new ArrowFiles.Reader(staging.resolve(name))) {
                    if (!o.schema().matches(r.empty())) {
                        throw new IllegalStateException("stage " + s.name() + " wrote " + name + " as " + r.empty().kind()
                                + ", declared " + o.schema().kind());
                    }
                }
            }
        }
        if (!undeclared.isEmpty()) {
            throw new IllegalStateException("stage " + s.name() + " wrote undeclared files " + undeclared);
        }
    }

    /**
     * Writes a finished artifact file into the store through Beam's {@link FileSystems}, so the
     * runs dir may be any filesystem Beam has a registrar for and every worker can reach.
     */
    static void writeThroughBeam(Path local, Path inStore) throws IOException {
        ResourceId target = FileSystems.matchNewResource(inStore.toAbsolutePath().toString(), false);
        try (FileChannel in = FileChannel.open(local, StandardOpenOption.READ);
                WritableByteChannel out = FileSystems.create(target, MimeTypes.BINARY)) {
            long size = in.size();
            for (long pos = 0; pos < size; ) {
                pos += in.transferTo(pos, size - pos, out);
            }
        }
    }

    private static String result(Task t, String status, double seconds) {
        return Task.JSON.createObjectNode().put("stage", t.stage()).put("key", t.key()).put("status", status)
                .put("seconds", seconds).toString();
    }
}
