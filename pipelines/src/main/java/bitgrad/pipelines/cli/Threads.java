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
        if (n <= 0) {
            return;
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(n));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
        // the caller's thread works too: n - 1 pool threads make n
        System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", Integer.toString(Math.max(1, n - 1)));
    }
}
