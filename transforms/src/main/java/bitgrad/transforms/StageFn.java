package bitgrad.transforms;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Schemas;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.util.MimeTypes;

/**
 * The shape of every stage's DoFn: take a {@link Task} (JSON), compute its artifact unless a
 * valid one is already cached, commit it atomically, and emit a one-line JSON result. A task
 * computes into a worker-local staging folder; its files then go into the store through Beam's
 * FileSystems and are renamed into place. Native
 * resources never live in fields: each computation opens and closes its own.
 */
public abstract class StageFn extends DoFn<String, String> {

    private final String storeRoot;
    private final boolean force;
    private final Counter computed = Metrics.counter(StageFn.class, "tasksComputed");
    private final Counter hits = Metrics.counter(StageFn.class, "tasksAlreadyCached");
    private transient ArtifactStore store;

    /**
     * @param storeRoot the cache folder
     * @param force recompute and replace even when a valid artifact exists
     */
    protected StageFn(String storeRoot, boolean force) {
        this.storeRoot = storeRoot;
        this.force = force;
    }

    @Setup
    public void setup() {
        store = new ArtifactStore(Path.of(storeRoot));
    }

    @ProcessElement
    public void process(@Element String json, OutputReceiver<String> out) throws Exception {
        Task t = Task.fromJson(json);
        if (!force && store.check(t.stage(), t.key()).valid()) {
            hits.inc();
            out.output(result(t, "hit", 0));
            return;
        }
        long t0 = System.nanoTime();
        Map<String, Object> info = new LinkedHashMap<>();
        Path staging = Files.createTempDirectory("bitgrad-" + t.stage() + "-");
        try (ArtifactStore.Pending pending = store.begin(t.stage(), t.key(), staging, StageFn::writeThroughBeam)) {
            String label = compute(t, pending, info);
            double seconds = (System.nanoTime() - t0) / 1e9;
            info.put("seconds", seconds);
            info.put("label", label);
            info.put("task", Task.JSON.readTree(t.toJson()));
            pending.commit(info, force);
            computed.inc();
            Progress.done(t.stage(), label, seconds);
            out.output(result(t, "computed", seconds));
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

    /**
     * Computes the task's artifact into {@code out} (files via {@link ArtifactStore.Pending#file}),
     * adds anything worth keeping to {@code info}, and returns a short human label.
     */
    protected abstract String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception;

    /** The store (after setup). */
    protected ArtifactStore store() {
        return store;
    }

    /** Reads an input artifact's table. */
    protected ColumnTable read(TaskRef ref, String file) throws IOException {
        return ArrowFiles.read(store.file(ref.stage(), ref.key(), file));
    }

    /** Reads an input artifact's tensors. */
    protected ParamSet readParams(TaskRef ref, String file) throws IOException {
        return Schemas.toParamSet(read(ref, file));
    }

    /** Path of an input artifact's file. */
    protected Path path(TaskRef ref, String file) {
        return store.file(ref.stage(), ref.key(), file);
    }
}
