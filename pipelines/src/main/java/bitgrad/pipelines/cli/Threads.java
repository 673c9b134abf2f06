package bitgrad.pipelines.cli;

/**
 * Caps the cores a run uses: the engine's intra-op threads and the host's parallel loops (the
 * common fork-join pool). Both are read once, when first used, so this must run before any
 * computation in the process; later calls leave the first setting.
 */
final class Threads {

    private Threads() {
    }

    /** Limits this process to {@code n} cores (n <= 0: no limit). */
    static void limit(int n) {
        limit(n, System.getProperties());
    }

    /** {@link #limit(int)} into {@code properties}. */
    static void limit(int n, java.util.Properties properties) {
        if (n <= 0) {
            return;
        }
        properties.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        properties.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        // the caller's thread works too: n - 1 pool threads make n (0: parallel loops run in the
        // caller alone; the pool reports a parallelism of 1 then, so bitgrad.models.Cores reads this)
        properties.setProperty(bitgrad.models.Cores.POOL_PROPERTY, Integer.toString(n - 1));
    }
}
