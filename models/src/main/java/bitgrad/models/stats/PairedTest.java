package bitgrad.models.stats;

import java.util.Arrays;

/**
 * The test behind every "A beats B" bitgrad prints: paired differences, one per independent unit
 * (an init: batches within an init are averaged first, as they share the init's model), tested
 * with Student's t (two-sided) and reported with a 95 % interval, the number of units, and the
 * smallest effect the design detects with 80 % power. Units of fewer than 2 cannot be tested.
 *
 * @param n independent units (inits)
 * @param mean mean paired difference
 * @param sd sample standard deviation of the differences
 * @param t the t statistic, mean / (sd / sqrt(n))
 * @param p two-sided p-value (1 when it cannot be computed)
 * @param low lower end of the 95 % interval of the mean difference
 * @param high upper end
 * @param detectable the smallest |mean difference| the design finds with 80 % power at alpha 0.05,
 *     given this spread (NaN below 2 units)
 */
public record PairedTest(int n, double mean, double sd, double t, double p, double low, double high, double detectable) {

    /** The significance level of every verdict. */
    public static final double ALPHA = 0.05;

    /** The power at which the detectable effect is stated. */
    public static final double POWER = 0.8;

    /** The test of {@code diffs}, one paired difference per independent unit. */
    public static PairedTest of(double[] diffs) {
        int n = diffs.length;
        double mean = Arrays.stream(diffs).average().orElse(Double.NaN);
        if (n < 2) {
            return new PairedTest(n, mean, Double.NaN, Double.NaN, 1, Double.NaN, Double.NaN, Double.NaN);
        }
        double ss = 0;
        for (double d : diffs) {
            ss += (d - mean) * (d - mean);
        }
        double sd = Math.sqrt(ss / (n - 1));
        double se = sd / Math.sqrt(n);
        int df = n - 1;
        double half = StudentT.quantile(1 - ALPHA / 2, df) * se;
        double detectable = (StudentT.quantile(1 - ALPHA / 2, df) + StudentT.quantile(POWER, df)) * se;
        if (se == 0) {
            // every unit gave the same difference: a nonzero one is as certain as the data can make it
            return new PairedTest(n, mean, 0, mean == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, mean), mean == 0 ? 1 : 0, mean,
                    mean, 0);
        }
        double t = mean / se;
        double p = 2 * StudentT.upperTail(Math.abs(t), df);
        return new PairedTest(n, mean, sd, t, Math.min(1, p), mean - half, mean + half, detectable);
    }

    /** The mean of each unit's values: {@code byUnit[i]} holds unit i's repeats (e.g. the batches of an init). */
    public static double[] unitMeans(double[][] byUnit) {
        double[] out = new double[byUnit.length];
        for (int i = 0; i < byUnit.length; i++) {
            out[i] = Arrays.stream(byUnit[i]).average().orElse(Double.NaN);
        }
        return out;
    }

    /** True when the difference is nonzero at {@link #ALPHA} (before any correction for several claims). */
    public boolean significant() {
        return p < ALPHA;
    }
}
