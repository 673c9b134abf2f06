package bitgrad.models.stats;

import java.util.Arrays;
import java.util.Comparator;
import java.util.SplittableRandom;

/**
 * Spearman's rank correlation with a permutation p-value and a bootstrap interval: under "no
 * association" every pairing of the two sides is equally likely, so the p-value is the share of
 * seeded random pairings (the observed one counted once) whose |rho| is at least the observed
 * one; the 95 % interval is the percentile interval of rho over seeded resamples of the points.
 * Neither needs normality. Fewer than {@link #MIN_POINTS} points are not tested.
 *
 * @param n points
 * @param rho the rank correlation (average ranks for ties; NaN for a constant side)
 * @param p two-sided permutation p-value (1 when not tested)
 * @param low lower end of the 95 % bootstrap interval
 * @param high upper end
 */
public record SpearmanTest(int n, double rho, double p, double low, double high) {

    /** The fewest points a stratum needs to be tested at all. */
    public static final int MIN_POINTS = 10;

    /** Permutations and resamples per test. */
    static final int DRAWS = 2000;

    /** True when there are enough points to test. */
    public boolean tested() {
        return n >= MIN_POINTS && !Double.isNaN(rho);
    }

    /** The test of {@code x} against {@code y}, seeded. */
    public static SpearmanTest of(double[] x, double[] y, long seed) {
        int n = x.length;
        double rho = rho(x, y);
        if (n < MIN_POINTS || Double.isNaN(rho)) {
            return new SpearmanTest(n, rho, 1, Double.NaN, Double.NaN);
        }
        SplittableRandom r = new SplittableRandom(seed);
        double p = permutationP(x, y, r);
        double[] boot = new double[DRAWS];
        double[] bx = new double[n];
        double[] by = new double[n];
        int kept = 0;
        for (int k = 0; k < DRAWS; k++) {
            for (int i = 0; i < n; i++) {
                int j = r.nextInt(n);
                bx[i] = x[j];
                by[i] = y[j];
            }
            double b = rho(bx, by);
            if (!Double.isNaN(b)) {
                boot[kept++] = b;
            }
        }
        double[] sorted = Arrays.copyOf(boot, kept);
        Arrays.sort(sorted);
        double low = kept == 0 ? Double.NaN : sorted[(int) Math.floor(0.025 * (kept - 1))];
        double high = kept == 0 ? Double.NaN : sorted[(int) Math.ceil(0.975 * (kept - 1))];
        return new SpearmanTest(n, rho, p, low, high);
    }

    /** The two-sided permutation p-value of rho(x, y): {@link #DRAWS} seeded pairings, the observed one counted once. */
    static double permutationP(double[] x, double[] y, SplittableRandom r) {
        double[] rx = ranks(x);
        double[] ry = ranks(y);
        double observed = Math.abs(pearson(rx, ry));
        double tolerance = 1e-12;
        int extreme = 0;
        double[] shuffled = ry.clone();
        for (int k = 0; k < DRAWS; k++) {
            for (int i = shuffled.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                double t = shuffled[i];
                shuffled[i] = shuffled[j];
                shuffled[j] = t;
            }
            extreme += Math.abs(pearson(rx, shuffled)) >= observed - tolerance ? 1 : 0;
        }
        return Math.min(1, (extreme + 1.0) / (DRAWS + 1.0));
    }

    /** Spearman's rank correlation (average ranks for ties); NaN for fewer than 3 points or a constant side. */
    public static double rho(double[] x, double[] y) {
        return x.length < 3 ? Double.NaN : pearson(ranks(x), ranks(y));
    }

    private static double pearson(double[] x, double[] y) {
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i] / n;
            my += y[i] / n;
        }
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Ranks from 0, ties sharing their average rank. */
    static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[idx[k]] = (i + j) / 2.0;
            }
            i = j + 1;
        }
        return r;
    }
}
