package bitgrad.models;

import ai.djl.pytorch.jni.JniUtils;

/**
 * The engine's own threads per operation (PyTorch's intra-op threads, one setting for the whole
 * process). Where bitgrad runs operations from several threads of its own, one per core, each
 * operation should run on its caller's core alone: two callers each asking for every core put
 * twice as many threads as cores on the machine (NES's copies: 4.9 s -> 3.9 s per estimate at dim
 * 64, docs/performance.md).
 */
public final class EngineThreads {

    private EngineThreads() {
    }

    /** Runs {@code work} with the engine's operations on one thread each, then restores the setting. */
    public static void single(Runnable work) {
        int before = JniUtils.getNumThreads();
        if (before <= 1) {
            work.run();
            return;
        }
        JniUtils.setNumThreads(1);
        try {
            work.run();
        } finally {
            JniUtils.setNumThreads(before);
        }
    }
}
