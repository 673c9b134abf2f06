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

    /**
     * The estimate of {@code plan} against the cache in {@code cacheDir}: every uncached task's
     * artifact (cached tasks need no new disk), and the run folder (its copies of the figures and
     * tables, and the report page).
     */
    public static Estimate of(Plan plan, Path cacheDir) {
        long disk = 0;
        long memory = 0;
        String what = "none";
        long figures = figures(plan);
        for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
            for (Task t : e.getValue()) {
                long[] dm = task(e.getKey(), t);
                if (!Files.exists(cacheDir.resolve(e.getKey()).resolve(t.key()).resolve("manifest.json"))) {
                    disk = add(disk, add(dm[0], e.getKey().equals("plot") ? figures : 0));
                }
                if (dm[1] > memory) {
                    memory = dm[1];
                    what = e.getKey();
                }
            }
        }
        // the run folder: the figures copied beside the page (plots/), the page with its PNGs inlined, the tables
        long runFolder = plan.stages().containsKey("plot") ? add(figures, figures / 10) : 64 * 1024;
        return new Estimate(add(disk, runFolder), memory, what);
    }

    /** Bytes of one figure's PNG and SVG before its data (the SVG carries its fonts' glyphs). */
    static final long FIGURE_BYTES = 400_000;
    /** Bytes a plotted point adds to a figure's SVG. */
    static final long POINT_BYTES = 330;

    /**
     * The plot artifact's figures, from the plan: a few per width (lr curves, cosines, best vs k,
     * mismatch), one per pretraining, the gradient check's and each Rosenbrock descent's; the lr
     * curves' and the descents' points.
     */
    static long figures(Plan plan) {
        List<Task> sweeps = plan.stages().getOrDefault("lr-sweep", List.of());
        long dims = sweeps.stream().map(t -> t.params().path("model").path("dim").asLong()).distinct().count();
        List<Task> rosenbrock = plan.stages().getOrDefault("rosenbrock", List.of());
        long descents = rosenbrock.size();
        long count = 3 + 4 * dims + (plan.stages().containsKey("pretrain") ? 1 : 0) + (plan.stages().containsKey("gradcheck") ? 2 : 0)
                + 2 * Math.min(descents, 8) + plan.stages().getOrDefault("resnet-grad", List.of()).size();
        // a descent's figure shows at most a few thousand of its steps
        long points = sweeps.stream().mapToLong(t -> t.params().path("lr_count").asLong()).sum()
                + rosenbrock.stream().mapToLong(t -> Math.min(t.params().path("steps").asLong(), 6_000)).sum();
        return add(sat(FIGURE_BYTES, count), sat(POINT_BYTES, points));
    }

    /** Refuses {@code plan} when it cannot fit this machine, unless {@code allowLarge}. */
    public static Estimate check(Plan plan, Path runsDir, boolean allowLarge) {
        Estimate e = of(plan, runsDir.resolve("cache"));
        if (allowLarge) {
            return e;
        }
        requireMemory("the largest task of this run (" + e.memoryTask() + ")", e.memoryBytes(),
                "; lower dims, model.depth or data.slice_rows, or pass --allow-large to try anyway");
        long free = freeBytes(runsDir);
        if (free >= 0 && e.diskBytes() > free * 0.9) {
            throw new ConfigException(String.format(Locale.ROOT, "this run needs about %s of disk for its artifacts but %s has %s free;"
                    + " lower data.batch or dims, or pass --allow-large to try anyway", human(e.diskBytes()), runsDir, human(free)));
        }
        return e;
    }

    /** What every artifact holds besides its data: the manifest, the Arrow schema and footer of each table. */
    static final long ARTIFACT_OVERHEAD = 8 * 1024;

    /** Bytes per learning rate of a sweep's curves (rate, decrease on the batch and held out, with their columns). */
    static final long SWEEP_BYTES_PER_LR = 200;

    /** Refuses work that needs more than 80 % of this machine's memory, naming {@code what} needs it. */
    public static void requireMemory(String what, long bytes) {
        requireMemory(what, bytes, "");
    }

    private static void requireMemory(String what, long bytes, String advice) {
        long ram = physicalMemory();
        if (bytes < 0 || ram > 0 && bytes > ram * 0.8) {
            throw new ConfigException(String.format(Locale.ROOT, "%s needs about %s of memory but this machine has %s%s", what,
                    human(bytes < 0 ? Long.MAX_VALUE : bytes), human(ram), advice));
        }
    }

    /** {disk bytes, memory bytes} of one task. */
    static long[] task(String stage, Task t) {
        JsonNode p = t.params();
        JsonNode model = p.path("model");
        long dim = model.path("dim").asLong(p.path("dim").asLong(p.path("point").path("dim").asLong(0)));
        long inputs = t.inputs().values().stream().mapToLong(List::size).sum();
        long depth = model.path("depth").asLong(0);
        long weights = add(sat(depth, sat(dim, dim)), dim);
        long slice = Math.max(1, p.path("slice_rows").asLong(65_536));
        // weights, gradient and two Adam moments; a slice of activations per layer, forward and backward
        long modelWork = add(sat(16, weights), sat(sat(8, slice), sat(dim, depth + 2)));
        long n = p.path("n").asLong(0); // Rosenbrock's dimension
        long[] dm = switch (stage) {
            case "generate-data" -> new long[] {sat(4, sat(p.path("rows").asLong(0), dim)), sat(4, sat(Math.min(slice,
                    p.path("rows").asLong(0)), dim))};
            case "init-models" -> new long[] {sat(8, weights), sat(8, weights)};
            case "pretrain" -> new long[] {add(sat(4, weights), sat(8, p.path("steps").asLong(0))), add(sat(16, weights),
                    sat(sat(8, p.path("batch").asLong(0)), sat(dim, depth + 2)))};
            case "estimate" -> new long[] {sat(4, weights), modelWork};
            case "lr-sweep", "layer-sweep", "probe" -> new long[] {sat(SWEEP_BYTES_PER_LR, p.path("lr_count").asLong(0)), modelWork};
            case "nes-snr", "smoothing" -> new long[] {32 * 1024, modelWork};
            // every estimate of one (model, batch) at once; the task knows the width, not the depth (up to 8 layers assumed)
            case "cosine" -> new long[] {32 * 1024, add(1 << 20, sat(sat(32, sat(dim, dim)), inputs))};
            // the descent's iterate, gradient and moments; NES's directions, one batch of them at a time
            case "rosenbrock" -> new long[] {200 * 1024, add(sat(64, n), sat(sat(8, n), Math.min(p.path("estimator")
                    .path("samples").asLong(0), 65_536)))};
            case "gradcheck" -> new long[] {32 * 1024, sat(sat(16, n), Math.min(max(p.path("samples")), 65_536))};
            case "summary" -> new long[] {sat(5 * 1024, inputs), 1 << 20};
            case "image-data" -> new long[] {sat(4 * 3 * 32 * 32, p.path("images").asLong(0)), sat(4 * 3 * 32 * 32,
                    p.path("images").asLong(0))};
            // ResNet-18 at first-stage width c: about 11.2 M weights x (c / 64)^2; a batch's activations, about 20
            // maps of 32 x 32 x c floats per image, forward and backward; weights with gradient and Adam moments
            case "resnet-pretrain", "resnet-grad" -> {
                long c = model.path("channels").asLong(0);
                long resnetWeights = sat(11_200_000L, sat(c, c)) / (64 * 64);
                long images = Math.max(p.path("batch").asLong(0), p.path("grad_batch").asLong(0));
                long work = add(sat(16, resnetWeights), sat(sat(2 * 20 * 32 * 32 * 4, c), images));
                yield new long[] {stage.equals("resnet-grad") ? sat(64, Math.max(1, p.path("coords").asLong(0))) : sat(4, resnetWeights),
                    work};
            }
            // every table of the run read at once (curves, gradients), and one figure being drawn
            case "plot" -> new long[] {0, add(256L << 20, sat(64 * 1024, inputs))};
            default -> new long[] {0, 0};
        };
        return new long[] {add(dm[0], ARTIFACT_OVERHEAD), dm[1]};
    }

    private static long max(JsonNode counts) {
        long m = 0;
        for (JsonNode c : counts) {
            m = Math.max(m, c.asLong());
        }
        return m;
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
