package bitgrad.models;

import java.util.SplittableRandom;

/**
 * Seeded random fills on the Java heap. All randomness in bitgrad comes from here (never from
 * the engine's global generator), so a draw is bit-identical for the same seed on every runner.
 */
public final class HostRandom {

    private HostRandom() {
    }

    /** {@code n} standard normal values drawn from {@code seed}. */
    public static float[] gaussian(long seed, int n) {
        float[] out = new float[n];
        gaussian(seed, out, 0, n);
        return out;
    }

    /** Fills {@code out[off, off+n)} with standard normal values drawn from {@code seed}. */
    public static void gaussian(long seed, float[] out, int off, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            out[off + i] = (float) r.nextGaussian();
        }
    }

    /** {@code n} values uniform on {@code [lo, hi)} drawn from {@code seed}. */
    /**
     * {@code n} values of U(0, 1) from {@code seed} into {@code out[offset..]}, allocating nothing:
     * the same values as {@code uniform(seed, n, 0, 1)}.
     */
    public static void uniformInto(long seed, float[] out, int offset, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            out[offset + i] = (float) r.nextDouble(0, 1);
        }
    }

    public static float[] uniform(long seed, int n, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) r.nextDouble(lo, hi);
        }
        return out;
    }
}
