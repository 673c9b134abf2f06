package bitgrad.models.stats;

import java.util.SplittableRandom;

/**
 * The paired permutation test: under "no difference" each unit's paired difference is as likely
 * negative as positive, so the p-value is the share of the 2^n sign assignments whose mean is at
 * least as far from zero as the observed one. Exact (every assignment) up to 16 units, 20 000
 * seeded random assignments beyond. Needs no normality; with 3 units its smallest p-value is
 * 2/8 = 0.25, which says honestly that 3 inits cannot decide anything at alpha 0.05.
 */
public final class SignFlip {

    private SignFlip() {
    }

    /** Two-sided p-value of the mean of {@code diffs} being zero. */
    public static double p(double[] diffs, long seed) {
        int n = diffs.length;
        if (n == 0) {
            return 1;
        }
        double observed = Math.abs(sum(diffs, 0, null));
        double tolerance = 1e-12 * Math.max(1, observed);
        long extreme = 0;
        long total;
        if (n <= 16) {
            total = 1L << n;
            for (long mask = 0; mask < total; mask++) {
                extreme += Math.abs(sum(diffs, mask, null)) >= observed - tolerance ? 1 : 0;
            }
        } else {
            total = 20_000;
            SplittableRandom r = new SplittableRandom(seed);
            for (long k = 0; k < total; k++) {
                extreme += Math.abs(sum(diffs, 0, r)) >= observed - tolerance ? 1 : 0;
            }
            return (extreme + 1.0) / (total + 1.0); // the observed assignment counts once
        }
        return (double) extreme / total;
    }

    private static double sum(double[] d, long mask, SplittableRandom r) {
        double s = 0;
        for (int i = 0; i < d.length; i++) {
            boolean flip = r != null ? r.nextBoolean() : (mask >>> i & 1) == 1;
            s += flip ? -d[i] : d[i];
        }
        return s;
    }
}
