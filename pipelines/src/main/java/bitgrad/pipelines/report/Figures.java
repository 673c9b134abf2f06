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

    /** A figure written to {@code plots/<name>.png|svg}. */
    record Figure(String name, String title, String caption) {
    }

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
        c.getStyler().setXAxisDecimalPattern("0.####");
        c.getStyler().setYAxisDecimalPattern("0.###E0");
        return c;
    }

    static XYSeries line(XYChart c, String name, double[] x, double[] y, int colour) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(PALETTE[colour % PALETTE.length]);
        s.setLineWidth(1.8f);
        return s;
    }

    /** A thin dashed companion line (the spread around a mean), kept out of the legend. */
    static void band(XYChart c, String name, double[] x, double[] y, int colour) {
        XYSeries s = c.addSeries(name, x, y);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(PALETTE[colour % PALETTE.length]);
        s.setLineStyle(new BasicStroke(0.8f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {4f, 4f}, 0f));
        s.setShowInLegend(false);
    }

    static CategoryChart bars(String title, String x, String y) {
        CategoryChart c = new CategoryChartBuilder().width(900).height(520).title(title).xAxisTitle(x).yAxisTitle(y).build();
        Styler s = c.getStyler();
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setSeriesColors(PALETTE);
        s.setLegendBorderColor(Color.WHITE);
        c.getStyler().setXAxisLabelRotation(20);
        c.getStyler().setYAxisDecimalPattern("0.###");
        return c;
    }

    /** Writes {@code chart} as {@code plots/<name>.png} and {@code .svg} under {@code runDir}. */
    static void save(Chart<?, ?> chart, Path runDir, String name) throws IOException {
        Path plots = runDir.resolve("plots");
        Files.createDirectories(plots);
        BitmapEncoder.saveBitmap(chart, plots.resolve(name).toString(), BitmapEncoder.BitmapFormat.PNG);
        VectorGraphicsEncoder.saveVectorGraphic(chart, plots.resolve(name).toString(), VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
    }

    static double[] toArray(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
