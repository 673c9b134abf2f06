package bitgrad.pipelines.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Chart construction and export (PNG for the report, SVG for papers) with one consistent style. */
final class Figures {

    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22),
        new Color(0x17becf)};

    private Figures() {
    }

    static XYChart lines(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(900).height(520).title(title).xAxisTitle(x).yAxisTitle(y).build();
        Styler s = c.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(Color.WHITE);
        c.getStyler().setPlotGridLinesColor(new Color(0xdddddd));
        s.setSeriesColors(PALETTE);
        s.setLegendBorderColor(Color.WHITE);
        return c;
    }

    static XYSeries line(XYChart c, String name, double[] x, double[] y, int colour) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        // solid always: dashes mean spread in these figures, never a series picked past the palette's end
        s.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.SOLID);
        s.setLineColor(PALETTE[colour % PALETTE.length]);
        s.setLineWidth(1.8f);
        return s;
    }

    /** A line with error bars ({@code err} either side of each point). */
    static XYSeries errorLine(XYChart c, String name, double[] x, double[] y, double[] err, int colour) {
        XYSeries s = c.addSeries(name, x, y, err);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setLineColor(PALETTE[colour % PALETTE.length]);
        s.setMarkerColor(PALETTE[colour % PALETTE.length]);
        s.setLineWidth(1.8f);
        return s;
    }

    /** A thin dashed companion line (the spread around a mean), kept out of the legend. */
    static void band(XYChart c, String name, double[] x, double[] y, int colour) {
        dashed(c, name, x, y, colour).setShowInLegend(false);
    }

    /** A thin dashed line (a reference curve), in the legend. */
    static XYSeries dashed(XYChart c, String name, double[] x, double[] y, int colour) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(PALETTE[colour % PALETTE.length]);
        s.setLineStyle(new BasicStroke(0.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
        return s;
    }

    static CategoryChart bars(String title, String x, String y) {
        CategoryChart c = new CategoryChartBuilder().width(900).height(520).title(title).xAxisTitle(x).yAxisTitle(y).build();
        Styler s = c.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setSeriesColors(PALETTE);
        s.setLegendBorderColor(Color.WHITE);
        c.getStyler().setXAxisLabelRotation(20);
        return c;
    }

    /** Writes {@code chart} as {@code <name>.png} and {@code <name>.svg} in {@code dir}. */
    static void save(Chart<?, ?> chart, Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        Ticks.apply(chart);
        javax.imageio.ImageIO.setUseCache(false); // PNGs are encoded in memory: no cache file left in the system temp folder
        BitmapEncoder.saveBitmap(chart, dir.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, dir.resolve(name).toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    }

    /** Mean and sample standard deviation at every index of equally long runs. */
    static double[][] meanSd(List<double[]> runs) {
        int n = runs.get(0).length;
        double[] m = new double[n];
        double[] sd = new double[n];
        for (double[] r : runs) {
            for (int i = 0; i < n; i++) {
                m[i] += r[i] / runs.size();
            }
        }
        for (double[] r : runs) {
            for (int i = 0; i < n; i++) {
                sd[i] += (r[i] - m[i]) * (r[i] - m[i]) / Math.max(1, runs.size() - 1);
            }
        }
        for (int i = 0; i < n; i++) {
            sd[i] = Math.sqrt(sd[i]);
        }
        return new double[][] {m, sd};
    }

    /** {@code a + sign * b} elementwise. */
    static double[] plus(double[] a, double[] b, double sign) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + sign * b[i];
        }
        return out;
    }

    static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
