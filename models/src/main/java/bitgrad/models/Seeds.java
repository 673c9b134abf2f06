package bitgrad.models;

import java.nio.charset.StandardCharsets;

/**
 * Derives independent seeds from a run seed and a path of names and indices, so that every
 * random draw depends only on <em>what</em> it is (run seed, stage, grid point, sample index),
 * never on thread, runner, parallelism or evaluation order.
 */
public final class Seeds {

    private Seeds() {
    }

    /**
     * A seed for the draw named by {@code path} under {@code seed}.
     *
     * @param seed the run (or parent) seed
     * @param path strings and integral numbers naming the draw, e.g. {@code ("nes", 17)}
     */
    public static long derive(long seed, Object... path) {
        long h = mix(seed + 0x9E3779B97F4A7C15L);
        for (Object p : path) {
            long v;
            if (p instanceof Long || p instanceof Integer || p instanceof Short || p instanceof Byte) {
                v = ((Number) p).longValue();
            } else if (p instanceof CharSequence s) {
                v = fnv1a(s.toString());
            } else {
                throw new IllegalArgumentException("seed path elements must be strings or integers, got " + p);
            }
            h = mix(h ^ mix(v + 0x632BE59BD9B4E019L));
        }
        return h;
    }

    /**
     * {@code derive(seed, index)} without the varargs path's allocations, for hot loops (equal to
     * the varargs form with one integral element).
     */
    public static long derive(long seed, long index) {
        long h = mix(seed + 0x9E3779B97F4A7C15L);
        return mix(h ^ mix(index + 0x632BE59BD9B4E019L));
    }

    /** SplitMix64 finaliser: a bijective 64-bit mix with good avalanche. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static long fnv1a(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }
}
