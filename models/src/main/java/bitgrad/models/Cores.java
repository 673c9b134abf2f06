package bitgrad.models;

/**
 * How many threads the host loops of one task (parallel streams) and the callers of the engine may
 * use: the common fork-join pool's threads, as a run caps them with {@link #POOL_PROPERTY} (threads
 * besides the caller's, 0 for the caller's alone), plus the caller, at most the machine's cores.
 */
public final class Cores {

    /** The JVM's property for the common pool's parallelism, read once when the pool starts. */
    public static final String POOL_PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

    private Cores() {
    }

    /** The threads this process's tasks may use: the cap a run set, else every core. */
    public static int host() {
        return of(System.getProperty(POOL_PROPERTY), Runtime.getRuntime().availableProcessors());
    }

    /** {@link #host()} given the pool property's value (null when unset) and the machine's cores. */
    static int of(String poolProperty, int available) {
        if (poolProperty == null) {
            return available;
        }
        try {
            return Math.max(1, Math.min(available, Integer.parseInt(poolProperty.trim()) + 1));
        } catch (NumberFormatException e) {
            return available; // the pool ignores a malformed value too
        }
    }
}
