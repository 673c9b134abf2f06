package bitgrad.models.measure;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;

/**
 * CDG and NES in float64 on a smooth function evaluated on the host: the formulas of
 * {@link CdgEstimator} and {@link NesEstimator} (NES with the very same directions), without
 * float32 rounding, so a gradient check on Rosenbrock is limited by the method (eps^2, N^-1/2,
 * sigma^2) and not by the arithmetic. Tests show the float32 estimators equal these forms.
 */
public final class Float64Estimates {

    private Float64Estimates() {
    }

    /** A function of a point, in float64. */
    @FunctionalInterface
    public interface Fn {
        /** f(x); must leave {@code x} as it found it. */
        double value(double[] x);
    }

    /** Central differences {@code (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)} for every coordinate. */
    public static double[] cdg(Fn f, double[] x, double eps) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double old = x[i];
            x[i] = old + eps;
            double plus = f.value(x);
            x[i] = old - eps;
            double minus = f.value(x);
            x[i] = old;
            g[i] = (plus - minus) / (2 * eps);
        }
        return g;
    }

    /**
     * Antithetic NES estimates with the first {@code samples[j]} directions for every j (nested:
     * the estimate for 500 uses the first 500 of the directions of the one for 5 000).
     *
     * @param samples increasing sample counts
     * @return one estimate per count
     */
    public static double[][] nesNested(Fn f, double[] x, double sigma, int[] samples, long seed) {
        int n = x.length;
        double[][] out = new double[samples.length][];
        double[] acc = new double[n];
        float[] u = new float[n];
        double[] probe = new double[n];
        int next = 0;
        for (int k = 0; next < samples.length; k++) {
            if (k == samples[next]) {
                out[next] = scaled(acc, 1.0 / k);
                next++;
                if (next == samples.length) {
                    break;
                }
                if (samples[next] <= k) {
                    throw new IllegalArgumentException("NES sample counts must increase");
                }
            }
            NesEstimator.direction(seed, k, u, 0, n);
            for (int i = 0; i < n; i++) {
                probe[i] = x[i] + sigma * u[i];
            }
            double plus = f.value(probe);
            for (int i = 0; i < n; i++) {
                probe[i] = x[i] - sigma * u[i];
            }
            double w = (plus - f.value(probe)) / (2 * sigma);
            for (int i = 0; i < n; i++) {
                acc[i] += w * u[i];
            }
        }
        return out;
    }

    /** Antithetic NES with {@code samples} directions. */
    public static double[] nes(Fn f, double[] x, double sigma, int samples, long seed) {
        return nesNested(f, x, sigma, new int[] {samples}, seed)[0];
    }

    /**
     * The estimate of {@code e} (CDG, or antithetic NES) with its perturbation size replaced by
     * {@code size} (eps for CDG, sigma for NES): what a descent with a decaying eps calls.
     */
    public static double[] estimate(Estimator e, double size, Fn f, double[] x, long seed) {
        if (e instanceof CdgEstimator) {
            return cdg(f, x, size);
        }
        if (e instanceof NesEstimator nes && nes.antithetic() && !nes.rankShaping()) {
            return nes(f, x, size, nes.samples(), seed);
        }
        throw new IllegalArgumentException("a float64 check supports cdg and antithetic nes, not " + e.label());
    }

    /** The perturbation size of {@code e}: eps for CDG, sigma for NES. */
    public static double size(Estimator e) {
        if (e instanceof CdgEstimator cdg) {
            return cdg.eps();
        }
        if (e instanceof NesEstimator nes) {
            return nes.sigma();
        }
        throw new IllegalArgumentException("a float64 check supports cdg and antithetic nes, not " + e.label());
    }

    /** |a - b| / |b|. */
    public static double relativeError(double[] a, double[] b) {
        double d = 0;
        double n = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (a[i] - b[i]);
            n += b[i] * b[i];
        }
        return Math.sqrt(d / n);
    }

    /** cos(a, b). */
    public static double cosine(double[] a, double[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += a[i] * b[i];
            aa += a[i] * a[i];
            bb += b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    /** |v|^2. */
    public static double normSquared(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }

    /** The least-squares slope of log(y) against log(x) over the finite, positive pairs (NaN with fewer than two). */
    public static double logLogSlope(double[] x, double[] y) {
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double sxy = 0;
        int m = 0;
        for (int i = 0; i < x.length; i++) {
            if (x[i] > 0 && y[i] > 0 && Double.isFinite(y[i])) {
                double lx = Math.log(x[i]);
                double ly = Math.log(y[i]);
                sx += lx;
                sy += ly;
                sxx += lx * lx;
                sxy += lx * ly;
                m++;
            }
        }
        if (m < 2) {
            return Double.NaN;
        }
        return (m * sxy - sx * sy) / (m * sxx - sx * sx);
    }

    private static double[] scaled(double[] v, double s) {
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = v[i] * s;
        }
        return r;
    }
}
