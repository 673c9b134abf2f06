package bitgrad.pipelines.run;

import java.nio.file.Path;
import java.util.Set;

/**
 * How to run a plan.
 *
 * @param runsDir output folder (run folders and {@code cache/})
 * @param force stages to recompute even when cached
 * @param from recompute this stage and everything after it (null for none)
 * @param only run just this stage, its inputs must be cached (null for all)
 * @param runner {@code direct} or {@code flink}
 * @param flinkMaster {@code [local]} or {@code host:port} (flink only)
 * @param flinkConf the client's Flink configuration folder (TLS keys of a secured cluster), or null
 * @param parallelism worker threads (direct) or Flink parallelism
 * @param device what the user asked for, {@code auto} or {@code cpu} (recorded in the run record)
 * @param name the user's name for the run (part of its id; null for none)
 * @param command the command line that started the run (recorded)
 */
public record RunOptions(Path runsDir, Set<String> force, String from, String only, String runner, String flinkMaster,
        Path flinkConf, int parallelism, String device, String name, java.util.List<String> command) {

    /** Defaults: direct runner, one worker, CPU, nothing forced, no name. */
    public static RunOptions defaults(Path runsDir) {
        return new RunOptions(runsDir, Set.of(), null, null, "direct", "[local]", null, 1, "cpu", null, java.util.List.of());
    }

    /** The run id's stem: experiment, and the user's name when given. */
    String stem(String experiment) {
        return name == null ? experiment : experiment + "-" + name;
    }

    /**
     * The device that computes, part of every cache key: this build bundles the CPU engine only, so
     * {@code auto} resolves to {@code cpu} (a GPU build would resolve it to {@code gpu}).
     */
    public static final String COMPUTE_DEVICE = "cpu";

    /** True for a Flink cluster reached over the network (not the embedded {@code [local]} one). */
    public boolean remoteFlink() {
        return "flink".equals(runner) && !flinkMaster.startsWith("[");
    }

    /** The cache folder. */
    public Path cacheDir() {
        return runsDir.resolve("cache");
    }
}
