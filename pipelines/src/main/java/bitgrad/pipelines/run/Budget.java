package bitgrad.pipelines.run;

import bitgrad.pipelines.config.ConfigException;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a plan needs before anything runs, estimated from the tasks' parameters: disk for the
 * artifacts not yet cached (data batches, models, gradients, images) and the memory of the
 * largest task (its weights with their gradient and optimizer state, and one slice of
 * activations per layer). A plan that cannot fit the machine is refused with both numbers,
 * unless the user passes {@code --allow-large}. The estimates are deliberately rough (a factor
 * of two either way); they exist to stop a typo such as {@code dims=[100000]} from filling a
 * disk or exhausting memory, not to plan capacity.
 */
public final class Budget {

    /**
     * @param diskBytes bytes the uncached artifacts will take
     * @param memoryBytes the largest task's working memory
     * @param memoryTask which task that is
     */
    public record Estimate(long diskBytes, long memoryBytes, String memoryTask) {
    }

    private Budget() {
    }

    /** The estimate of {@code plan} against the cache in {@code cacheDir} (cached tasks need no new disk). */
    public static Estimate of(Plan plan, Path cacheDir) {
        long disk = 0;
        long memory = 0;
        String what = "none";
        for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
            for (Task t : e.getValue()) {
                long[] dm = task(e.getKey(), t.params());
                if (!Files.exists(cacheDir.resolve(e.getKey()).resolve(t.key()).resolve("manifest.json"))) {
                    disk = add(disk, dm[0]);
                }
                if (dm[1] > memory) {
                    memory = dm[1];
                    what = e.getKey();
                }
            }
        }
        return new Estimate(disk, memory, what);
    }

    /** Refuses {@code plan} when it cannot fit this machine, unless {@code allowLarge}. */
    public static Estimate check(Plan plan, Path runsDir, boolean allowLarge) {
        Estimate e = of(plan, runsDir.resolve("cache"));
        if (allowLarge) {
            return e;
        }
        long ram = physicalMemory();
        if (ram > 0 && e.memoryBytes() > ram * 0.8) {
            throw new ConfigException(String.format(Locale.ROOT, "the largest task of this run (%s) needs about %s of memory but this machine has %s;"
                    + " lower dims, model.depth or data.slice_rows, or pass --allow-large to try anyway", e.memoryTask(),
                    human(e.memoryBytes()), human(ram)));
        }
        long free = freeBytes(runsDir);
        if (free >= 0 && e.diskBytes() > free * 0.9) {
            throw new ConfigException(String.format(Locale.ROOT, "this run needs about %s of disk for its artifacts but %s has %s free;"
                    + " lower data.batch or dims, or pass --allow-large to try anyway", human(e.diskBytes()), runsDir, human(free)));
        }
        return e;
    }

    /** {disk bytes, memory bytes} of one task. */
    static long[] task(String stage, JsonNode p) {
        JsonNode model = p.path("model");
        long dim = model.path("dim").asLong(p.path("dim").asLong(0));
        long depth = model.path("depth").asLong(0);
        long weights = add(sat(depth, sat(dim, dim)), dim);
        long slice = Math.max(1, p.path("slice_rows").asLong(65_536));
        return switch (stage) {
            case "generate-data" -> new long[] {sat(4, sat(p.path("rows").asLong(0), dim)), sat(4, sat(Math.min(slice,
                    p.path("rows").asLong(0)), dim))};
            case "init-models" -> new long[] {sat(8, weights), sat(8, weights)};
            // weights, gradient and two Adam moments; a batch of activations per layer, forward and backward
            case "pretrain" -> new long[] {sat(4, weights), add(sat(16, weights), sat(sat(8, p.path("batch").asLong(0)),
                    sat(dim, depth + 2)))};
            case "estimate", "probe", "lr-sweep" -> new long[] {sat(4, weights), add(sat(16, weights), sat(sat(8, slice),
                    sat(dim, depth + 2)))};
            case "image-data" -> new long[] {sat(4 * 3 * 32 * 32, p.path("images").asLong(0)), sat(4 * 3 * 32 * 32,
                    p.path("images").asLong(0))};
            default -> new long[] {0, 0};
        };
    }

    /** a + b (both >= 0), saturating at Long.MAX_VALUE. */
    private static long add(long a, long b) {
        long r = a + b;
        return r < 0 ? Long.MAX_VALUE : r;
    }

    /** a * b, saturating at Long.MAX_VALUE instead of wrapping. */
    private static long sat(long a, long b) {
        long r = a * b;
        return a != 0 && (r / a != b || r < 0) ? Long.MAX_VALUE : r;
    }

    private static long freeBytes(Path runsDir) {
        Path p = runsDir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            return p == null ? -1 : Files.getFileStore(p).getUsableSpace();
        } catch (IOException e) {
            return -1;
        }
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return -1;
    }

    /** Bytes as people read them. */
    public static String human(long bytes) {
        if (bytes == Long.MAX_VALUE) {
            return "more than 8 EiB";
        }
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
