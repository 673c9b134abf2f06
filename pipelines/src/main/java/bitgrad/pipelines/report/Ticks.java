package bitgrad.pipelines.report;

import java.util.Arrays;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;

/**
 * The tick labels of every figure, chosen from the range each axis shows when the figure is saved: plain decimals with as
 * many places as the tick step needs ("0.01", "150", never "1E-2" or "0E0"), scientific notation only past 1e5 or below
 * 1e-3 (on a log axis past 1e6 or below 1e-4), and on a log axis that holds fewer than two powers of ten the ticks between them labelled too, so that every axis
 * carries at least two labels. One rule here, rather than a decimal pattern per figure.
 */
final class Ticks {

    /** Values whose magnitude lies in [SMALL, LARGE) are written as plain decimals ([LOG_SMALL, LOG_LARGE] on a log axis,
     * whose labels are single digits: "0.0001" and "1000000" read as easily as "1E-4" and "1E6"). */
    static final double SMALL = 1e-3;
    static final double LOG_SMALL = 1e-4;
    static final double LARGE = 1e5;
    static final double LOG_LARGE = 1e6;

    private Ticks() {
    }

    /** Sets the decimal patterns (and, on log axes, whether only powers of ten are labelled) of {@code chart}'s numeric axes. */
    static void apply(Chart<?, ?> chart) {
        if (chart instanceof XYChart xy) {
            AxesChartStyler s = xy.getStyler();
            double[] x = range(xy.getSeriesMap().values().stream().map(XYSeries::getXData).toArray(double[][]::new), s.getXAxisMin(),
                    s.getXAxisMax(), s.isXAxisLogarithmic());
            double[] y = range(xy.getSeriesMap().values().stream().map(Ticks::yWithErrors).toArray(double[][]::new), s.getYAxisMin(),
                    s.getYAxisMax(), s.isYAxisLogarithmic());
            if (x != null) {
                s.setXAxisDecimalPattern(pattern(x[0], x[1], s.isXAxisLogarithmic()));
                s.setXAxisLogarithmicDecadeOnly(powersOfTen(x[0], x[1]) >= 2);
            }
            if (y != null) {
                s.setYAxisDecimalPattern(pattern(y[0], y[1], s.isYAxisLogarithmic()));
                s.setYAxisLogarithmicDecadeOnly(powersOfTen(y[0], y[1]) >= 2);
            }
        } else if (chart instanceof CategoryChart cat) {
            AxesChartStyler s = cat.getStyler();
            double[][] ys = cat.getSeriesMap().values().stream().map(Ticks::yWithErrors).toArray(double[][]::new);
            double[] y = range(ys, s.getYAxisMin(), s.getYAxisMax(), s.isYAxisLogarithmic());
            if (y != null) {
                // bars rise from 0 unless the axis is told otherwise: 0 is in the range the labels must cover
                double lo = s.getYAxisMin() == null && !s.isYAxisLogarithmic() ? Math.min(0, y[0]) : y[0];
                double hi = s.getYAxisMax() == null && !s.isYAxisLogarithmic() ? Math.max(0, y[1]) : y[1];
                s.setYAxisDecimalPattern(pattern(lo, hi, s.isYAxisLogarithmic()));
                s.setYAxisLogarithmicDecadeOnly(powersOfTen(lo, hi) >= 2);
            }
        }
    }

    /**
     * The decimal pattern for an axis showing [lo, hi]: plain with the places a fifth of the span needs on a linear axis, the
     * places of the smallest value on a log axis; scientific where the values are too large or too small to write plainly.
     */
    static String pattern(double lo, double hi, boolean log) {
        double big = Math.max(Math.abs(lo), Math.abs(hi));
        if (big == 0) {
            return "0";
        }
        if (log) {
            double small = Math.min(Math.abs(lo), Math.abs(hi));
            if (small >= LOG_SMALL && big <= LOG_LARGE) {
                return plain(small <= 0 ? 0 : (int) Math.max(0, -Math.floor(Math.log10(small) + 1e-9)));
            }
            return "0.#E0";
        }
        if (big >= LARGE || big < SMALL) {
            return "0.##E0";
        }
        double step = (hi - lo) / 5;
        int places = step <= 0 ? 3 : (int) Math.max(0, -Math.floor(Math.log10(step)) + 1);
        return plain(Math.min(places, 6));
    }

    /** How many powers of ten lie in [lo, hi] (both positive; 0 otherwise). */
    static int powersOfTen(double lo, double hi) {
        if (!(lo > 0) || !(hi >= lo)) {
            return 0;
        }
        return (int) (Math.floor(Math.log10(hi) + 1e-9) - Math.ceil(Math.log10(lo) - 1e-9) + 1);
    }

    private static String plain(int places) {
        return places == 0 ? "0" : "0." + "#".repeat(places);
    }

    /** The smallest and largest finite value (positive only on a log axis), widened by explicit bounds; null if none. */
    private static double[] range(double[][] series, Double min, Double max, boolean log) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double[] values : series) {
            for (double v : values) {
                if (Double.isFinite(v) && (!log || v > 0)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (min != null) {
            lo = min;
        }
        if (max != null) {
            hi = max;
        }
        return lo <= hi ? new double[] {lo, hi} : null;
    }

    private static double[] yWithErrors(XYSeries s) {
        return withErrors(s.getYData(), s.getExtraValues());
    }

    private static double[] yWithErrors(CategorySeries s) {
        double[] y = s.getYData().stream().mapToDouble(n -> n == null ? Double.NaN : n.doubleValue()).toArray();
        double[] e = s.getExtraValues() == null ? null : s.getExtraValues().stream().mapToDouble(n -> n == null ? 0 : n.doubleValue()).toArray();
        return withErrors(y, e);
    }

    /** The values and, with error bars, each value plus and minus its bar: the axis shows the bars' ends too. */
    private static double[] withErrors(double[] y, double[] err) {
        if (err == null) {
            return y;
        }
        double[] out = Arrays.copyOf(y, 3 * y.length);
        for (int i = 0; i < y.length; i++) {
            out[y.length + i] = y[i] + err[i];
            out[2 * y.length + i] = y[i] - err[i];
        }
        return out;
    }
}
