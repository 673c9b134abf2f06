package bitgrad.models.measure;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.objectives.RosenbrockObjective;
import java.util.SplittableRandom;

/**
 * Descent on the Rosenbrock function with an estimated gradient (science.md §5.5), with step
 * decay {@code lr_t = lr * decay^(t / decayEvery)}. Two update rules, since the raw gradient
 * spans six decades between the start and the valley: {@code adam} (default; per-coordinate
 * scaling follows the curved valley) and {@code normalized} ({@code x <- x - lr_t g / |g|},
 * which reaches the valley quickly but then crawls along it).
 *
 * @param optimizer {@code adam} or {@code normalized}
 * @param steps number of updates
 * @param lr initial step length
 * @param decay factor applied every {@code decayEvery} steps, in (0, 1]
 * @param decayEvery steps between decays, >= 1
 */
public record RosenbrockDescent(String optimizer, int steps, double lr, double decay, int decayEvery) {

    public RosenbrockDescent {
        if (!optimizer.equals("adam") && !optimizer.equals("normalized")) {
            throw new IllegalArgumentException("rosenbrock optimizer must be adam or normalized, got '" + optimizer + "'");
        }
        if (steps < 1 || !(lr > 0) || !(decay > 0 && decay <= 1) || decayEvery < 1) {
            throw new IllegalArgumentException("rosenbrock descent needs steps >= 1, lr > 0, 0 < decay <= 1, decay_every >= 1");
        }
    }

    /**
     * The path of one descent, one entry per step (state before that step's update).
     *
     * @param f function value
     * @param distance L2 distance to the all-ones minimum
     * @param cosine cosine of the estimate with the analytic gradient
     * @param finalX the last point
     */
    public record Path(double[] f, double[] distance, double[] cosine, float[] finalX) {

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
    public static float[] integerStart(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(-10, 11);
        }
        return x;
    }

    /** Runs the descent from {@code start}; estimate t draws from {@code derive(seed, t)}. */
    public Path run(Estimator estimator, float[] start, long seed) {
        float[] x = start.clone();
        double[] m = new double[x.length];
        double[] v = new double[x.length];
        double[] f = new double[steps];
        double[] dist = new double[steps];
        double[] cos = new double[steps];
        for (int t = 0; t < steps; t++) {
            f[t] = RosenbrockObjective.value(x);
            dist[t] = distanceToOnes(x);
            if (!Double.isFinite(f[t])) {
                throw new ArithmeticException("rosenbrock descent diverged at step " + t + " (f is " + f[t] + ")");
            }
            float[] g;
            try (RosenbrockObjective o = new RosenbrockObjective(x)) {
                g = estimator.estimate(o, Seeds.derive(seed, t)).get(0).data();
            }
            cos[t] = Gradients.cosine(g, RosenbrockObjective.gradient(x));
            double lrT = lr * Math.pow(decay, t / decayEvery);
            if (optimizer.equals("normalized")) {
                double norm = Math.sqrt(Gradients.dot(g, g));
                for (int i = 0; i < x.length && norm > 0; i++) {
                    x[i] -= (float) (lrT * g[i] / norm);
                }
            } else {
                for (int i = 0; i < x.length; i++) {
                    m[i] = 0.9 * m[i] + 0.1 * g[i];
                    v[i] = 0.999 * v[i] + 0.001 * (double) g[i] * g[i];
                    double mh = m[i] / (1 - Math.pow(0.9, t + 1));
                    double vh = v[i] / (1 - Math.pow(0.999, t + 1));
                    x[i] -= (float) (lrT * mh / (Math.sqrt(vh) + 1e-8));
                }
            }
        }
        return new Path(f, dist, cos, x);
    }

    static double distanceToOnes(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (v - 1.0) * (v - 1.0);
        }
        return Math.sqrt(s);
    }
}
