package bitgrad.models.estimators;

import java.util.Locale;

/**
 * SGD or Adam on host arrays (the pretrainers' update rule; Adam with the usual
 * {@code beta1 = 0.9, beta2 = 0.999, eps = 1e-8} and bias correction).
 */
final class HostOptimizer {

    private static final double B1 = 0.9;
    private static final double B2 = 0.999;
    private static final double EPS = 1e-8;

    private HostOptimizer() {
    }

    /** The lowercased name, or an error for anything but sgd and adam. */
    static String check(String optimizer, double lr) {
        String o = optimizer.toLowerCase(Locale.ROOT);
        if (!o.equals("sgd") && !o.equals("adam")) {
            throw new IllegalArgumentException("pretrain optimizer must be sgd or adam, got '" + optimizer + "'");
        }
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("pretrain lr must be a positive number, got " + lr);
        }
        return o;
    }

    /** Update number {@code step} (0-based) of {@code w} with gradient {@code g}; {@code m, v} are Adam's moments. */
    static void update(String optimizer, double lr, int step, float[] w, float[] m, float[] v, float[] g) {
        if (optimizer.equals("sgd")) {
            for (int i = 0; i < g.length; i++) {
                w[i] -= (float) (lr * g[i]);
            }
            return;
        }
        double c1 = 1 - Math.pow(B1, step + 1);
        double c2 = 1 - Math.pow(B2, step + 1);
        for (int i = 0; i < g.length; i++) {
            m[i] = (float) (B1 * m[i] + (1 - B1) * g[i]);
            v[i] = (float) (B2 * v[i] + (1 - B2) * g[i] * g[i]);
            w[i] -= (float) (lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + EPS));
        }
    }
}
