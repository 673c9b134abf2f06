package bitgrad.models.measure;

import bitgrad.models.Seeds;
import bitgrad.models.objectives.RosenbrockObjective;
import java.util.ArrayList;
import java.util.List;

/**
 * A gradient check on the Rosenbrock function in float64: CDG's and NES's relative error and
 * cosine against the analytic gradient at fixed points, over a range of eps and of NES sample
 * counts. On this quartic CDG's error is exactly {@code 400 eps^2 a} on the odd coordinates, so
 * its relative error falls as eps^2 (log-log slope 2); NES's falls as N^-1/2 until the bias of
 * the smoothing, O(sigma^2), is reached. A wrong scale factor, sign or coordinate shows up as a
 * slope of 0 and an error of order 1.
 */
public final class GradCheck {

    private GradCheck() {
    }

    /**
     * One estimate against the analytic gradient.
     *
     * @param point name of the point
     * @param family cdg or nes
     * @param size eps or sigma
     * @param samples NES directions (0 for CDG)
     * @param relativeError |estimate - gradient| / |gradient|
     * @param cosine cos(estimate, gradient)
     * @param gradientNorm |gradient| at the point
     * @param rounding the relative error float64 rounding of f alone can cause, about
     *     {@code ulp(f) sqrt(n) / (2 size |gradient|)}: rows below 10x of it are left out of slopes
     */
    public record Row(String point, String family, double size, int samples, double relativeError, double cosine,
            double gradientNorm, double rounding) {

        /** Whether the method's error, not rounding, is what this row measures. */
        public boolean aboveRounding() {
            return relativeError > 10 * rounding;
        }
    }

    /** Checks CDG at every eps and NES at every sigma with nested sample counts, at {@code x}. */
    public static List<Row> check(String point, double[] x, List<Double> eps, List<Double> sigmas, int[] samples, long seed) {
        double[] exact = RosenbrockObjective.gradient(x);
        double norm = Math.sqrt(Float64Estimates.normSquared(exact));
        double ulp = Math.ulp(Math.max(RosenbrockObjective.value(x), Double.MIN_NORMAL)) * Math.sqrt(x.length);
        List<Row> rows = new ArrayList<>();
        for (double e : eps) {
            double[] g = Float64Estimates.cdg(RosenbrockObjective::value, x.clone(), e);
            rows.add(new Row(point, "cdg", e, 0, Float64Estimates.relativeError(g, exact), Float64Estimates.cosine(g, exact), norm,
                    ulp / (2 * e * norm)));
        }
        for (double s : sigmas) {
            double[][] gs = Float64Estimates.nesNested(RosenbrockObjective::value, x, s, samples,
                    Seeds.derive(seed, point, Double.toString(s)));
            for (int j = 0; j < samples.length; j++) {
                rows.add(new Row(point, "nes", s, samples[j], Float64Estimates.relativeError(gs[j], exact),
                        Float64Estimates.cosine(gs[j], exact), norm, ulp / (2 * s * norm)));
            }
        }
        return rows;
    }

    /**
     * The log-log slope of relative error against eps (CDG) or N (NES, one sigma) over the rows
     * of {@code rows} that are above float64 rounding.
     */
    public static double slope(List<Row> rows) {
        double[] x = new double[rows.size()];
        double[] y = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            x[i] = r.family().equals("cdg") ? r.size() : r.samples();
            y[i] = r.aboveRounding() ? r.relativeError() : Double.NaN;
        }
        return Float64Estimates.logLogSlope(x, y);
    }
}
