package bitgrad.models.quant;

/**
 * A piecewise-constant quantizer's exact jump points in float: {@code q.apply(x)} takes its
 * (k+1)-th level exactly for {@code at(k-1) <= x < at(k)}. Found by bisection over the floats
 * around each threshold with {@code q.apply} itself, so they include how the quantizer rounds
 * near its thresholds (2-bit's middle jump is a few floats below 0, for one): comparing with them
 * gives the same level as calling the quantizer, to the bit.
 */
public final class Jumps {

    private final float[] points;
    /** The quantizer's value on each level, lowest first. */
    private final float[] values;

    private Jumps(float[] points, Quantizer q) {
        this.points = points;
        this.values = new float[points.length + 1];
        values[0] = q.apply(Math.nextDown(points[0]));
        for (int k = 0; k < points.length; k++) {
            values[k + 1] = q.apply(points[k]);
        }
    }

    /**
     * The jump points of {@code q}, or null when they cannot be found as one rise per threshold
     * (thresholds closer than the search needs, or a quantizer that does not rise across one).
     * Assumes q is monotone, as every quantizer here is ({@code JumpsTest} checks the points
     * against {@code q.apply} for each).
     */
    public static Jumps of(Quantizer q) {
        double[] t = q.thresholds();
        if (t.length == 0) {
            return null;
        }
        double gap = Double.POSITIVE_INFINITY;
        for (int k = 1; k < t.length; k++) {
            gap = Math.min(gap, t[k] - t[k - 1]);
        }
        if (!(gap > 0)) {
            return null;
        }
        double half = Math.min(1e-3, gap / 4);
        float[] points = new float[t.length];
        for (int k = 0; k < t.length; k++) {
            int lo = key((float) (t[k] - half));
            int hi = key((float) (t[k] + half));
            float low = q.apply(floatOf(lo));
            if (!(q.apply(floatOf(hi)) > low)) {
                return null;
            }
            // invariant: q(lo) == low < q(hi)
            while (hi - lo > 1) {
                int mid = lo + (hi - lo) / 2;
                if (q.apply(floatOf(mid)) == low) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            points[k] = floatOf(hi);
            if (k > 0 && !(points[k] > points[k - 1])) {
                return null;
            }
        }
        return new Jumps(points, q);
    }

    /** The number of jump points at or below x: x's level index. */
    public int count(float x) {
        int lo = 0;
        int hi = points.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (points[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The quantizer's value on level k (0 the lowest). */
    public float value(int k) {
        return values[k];
    }

    /** Jump point k; -infinity below the first and +infinity past the last. */
    public float at(int k) {
        return k < 0 ? Float.NEGATIVE_INFINITY : k >= points.length ? Float.POSITIVE_INFINITY : points[k];
    }

    /** Floats in order as ints (-0 and +0 both 0). */
    private static int key(float f) {
        int b = Float.floatToIntBits(f);
        return b >= 0 ? b : Integer.MIN_VALUE - b;
    }

    private static float floatOf(int k) {
        return Float.intBitsToFloat(k >= 0 ? k : Integer.MIN_VALUE - k);
    }
}
