package bitgrad.models.measure;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.objectives.RosenbrockObjective;
import java.util.SplittableRandom;

/**
 * Descent on the Rosenbrock function with an estimated gradient (science.md §5.5), in float64
 * (see {@link Float64Estimates}). Step decay {@code lr_t = lr * decay^(t / decayEvery)}, and the
 * estimator's perturbation (CDG's eps, NES's sigma) follows the same decay down to
 * {@code sizeFloor}: with a fixed eps, central differences converge to the minimum of
 * {@code f + 200 eps^2 sum a^2} instead of f's, and CDG's error on this quartic is exactly
 * {@code 400 eps^2 a} on the odd coordinates.
 * <ul>
 *   <li>{@code adam}: per-coordinate scaling, follows the curved valley; the default</li>
 *   <li>{@code sgd}: plain gradient descent {@code x <- x - lr_t g}; it checks the gradient's
 *       scale (Adam divides it out) but its step is bounded by the largest curvature on the path</li>
 *   <li>{@code normalized}: {@code x <- x - lr_t g / |g|}</li>
 * </ul>
 *
 * @param optimizer adam, sgd or normalized
 * @param steps number of updates
 * @param lr initial step length
 * @param decay factor applied every {@code decayEvery} steps, in (0, 1]
 * @param decayEvery steps between decays, >= 1
 * @param sizeFloor smallest eps or sigma the decay reaches, > 0
 */
public record RosenbrockDescent(String optimizer, int steps, double lr, double decay, int decayEvery, double sizeFloor) {

    /** The optimizers, as config words. */
    public static final java.util.List<String> OPTIMIZERS = java.util.List.of("adam", "sgd", "normalized");

    /** At most this many steps are recorded per path (evenly strided), plus the last. */
    static final int RECORDED = 4000;

    public RosenbrockDescent {
        if (!OPTIMIZERS.contains(optimizer)) {
            throw new IllegalArgumentException("rosenbrock optimizer must be one of " + OPTIMIZERS + ", got '" + optimizer + "'");
        }
        if (steps < 1 || !(lr > 0) || !(decay > 0 && decay <= 1) || decayEvery < 1 || !(sizeFloor > 0)) {
            throw new IllegalArgumentException(
                    "rosenbrock descent needs steps >= 1, lr > 0, 0 < decay <= 1, decay_every >= 1, perturbation_floor > 0");
        }
    }

    /**
     * A descent's recorded steps (state before that step's update) and its end.
     *
     * @param step the recorded step numbers
     * @param f function value
     * @param distance L2 distance to the all-ones minimum
     * @param cosine cosine of the estimate with the analytic gradient
     * @param size the estimator's eps or sigma at that step
     * @param finalX the point after the last update
     */
    public record Path(long[] step, double[] f, double[] distance, double[] cosine, double[] size, double[] finalX) {

        /** f after the last update. */
        public double finalF() {
            return RosenbrockObjective.value(finalX);
        }

        /** Distance to all-ones after the last update. */
        public double finalDistance() {
            return distanceToOnes(finalX);
        }
    }

    /** A start of {@code n} random integers in [-10, 10] drawn from {@code seed}. */
    public static double[] integerStart(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(-10, 11);
        }
        return x;
    }

    /** A point within {@code radius} of all-ones (uniform per coordinate) drawn from {@code seed}. */
    public static double[] nearOnes(long seed, int n, double radius) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = 1 + r.nextDouble(-radius, radius);
        }
        return x;
    }

    /** lr at step t. */
    public double lrAt(int t) {
        return lr * Math.pow(decay, t / decayEvery);
    }

    /** The perturbation at step t for an estimator whose own is {@code size0}. */
    public double sizeAt(double size0, int t) {
        return Math.max(Math.min(sizeFloor, size0), size0 * Math.pow(decay, t / decayEvery));
    }

    /** Runs the descent from {@code start}; estimate t draws from {@code derive(seed, t)}. */
    public Path run(Estimator estimator, double[] start, long seed) {
        double size0 = Float64Estimates.size(estimator);
        double[] x = start.clone();
        double[] m = new double[x.length];
        double[] v = new double[x.length];
        int stride = Math.max(1, steps / RECORDED);
        int recorded = (steps + stride - 1) / stride;
        long[] stepAt = new long[recorded];
        double[] f = new double[recorded];
        double[] dist = new double[recorded];
        double[] cos = new double[recorded];
        double[] size = new double[recorded];
        for (int t = 0; t < steps; t++) {
            double sizeT = sizeAt(size0, t);
            double[] g = Float64Estimates.estimate(estimator, sizeT, RosenbrockObjective::value, x, Seeds.derive(seed, t));
            if (t % stride == 0) {
                int r = t / stride;
                stepAt[r] = t;
                f[r] = RosenbrockObjective.value(x);
                dist[r] = distanceToOnes(x);
                cos[r] = Float64Estimates.cosine(g, RosenbrockObjective.gradient(x));
                size[r] = sizeT;
            }
            update(x, g, m, v, t);
            if (!Double.isFinite(RosenbrockObjective.value(x))) {
                throw new ArithmeticException("rosenbrock descent with " + optimizer + " diverged at step " + t
                        + " (f is not finite); lower rosenbrock.lr");
            }
        }
        return new Path(stepAt, f, dist, cos, size, x);
    }

    /** Points on this descent's path with the exact gradient, after each of {@code atSteps} (increasing) updates. */
    public double[][] pointsAlong(double[] start, int[] atSteps) {
        double[] x = start.clone();
        double[] m = new double[x.length];
        double[] v = new double[x.length];
        double[][] out = new double[atSteps.length][];
        int next = 0;
        for (int t = 0; next < atSteps.length; t++) {
            while (next < atSteps.length && atSteps[next] == t) {
                out[next++] = x.clone();
            }
            if (next < atSteps.length) {
                update(x, RosenbrockObjective.gradient(x), m, v, t);
            }
        }
        return out;
    }

    private void update(double[] x, double[] g, double[] m, double[] v, int t) {
        double lrT = lrAt(t);
        switch (optimizer) {
            case "sgd" -> {
                for (int i = 0; i < x.length; i++) {
                    x[i] -= lrT * g[i];
                }
            }
            case "normalized" -> {
                double norm = 0;
                for (double gi : g) {
                    norm += gi * gi;
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < x.length && norm > 0; i++) {
                    x[i] -= lrT * g[i] / norm;
                }
            }
            default -> {
                double c1 = 1 - Math.pow(0.9, t + 1);
                double c2 = 1 - Math.pow(0.999, t + 1);
                for (int i = 0; i < x.length; i++) {
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
                    x[i] -= lrT * (m[i] / c1) / (Math.sqrt(v[i] / c2) + 1e-12);
                }
            }
        }
    }

    static double distanceToOnes(double[] x) {
        double s = 0;
        for (double v : x) {
            s += (v - 1.0) * (v - 1.0);
        }
        return Math.sqrt(s);
    }
}
