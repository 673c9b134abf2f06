package bitgrad.pipelines.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;

/** Best decrease against compute in forward-pass equivalents, one point per estimator setting. */
final class Efficiency implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> sweeps = c.keys("lr-sweep");
        if (sweeps.isEmpty()) {
            return;
        }
        int depth = c.params("lr-sweep", sweeps.get(0)).path("model").path("depth").asInt();
        Map<String, Map<String, List<double[]>>> byVariant = new TreeMap<>();
        Map<String, List<String>> dropped = new TreeMap<>();
        for (Cells.Cell cell : c.cells()) {
            double forward = 2.0 * cell.rows() * ((double) depth * cell.dim() * cell.dim() + cell.dim());
            String series = cell.spec().family().toUpperCase(Locale.ROOT) + " dim=" + cell.dim();
            if (cell.flops() <= 0) {
                continue; // a control (random directions) evaluates no forward pass: it has no place on this axis
            }
            if (cell.relativeMean() > 0) {
                byVariant.computeIfAbsent(cell.variant(), x -> new TreeMap<>()).computeIfAbsent(series, x -> new ArrayList<>())
                        .add(new double[] {cell.flops() / forward, cell.relativeMean(), Math.min(cell.relativeSd(), 0.9 * cell.relativeMean())});
            } else {
                dropped.computeIfAbsent(cell.variant(), x -> new ArrayList<>()).add(cell.estimator() + " dim=" + cell.dim());
            }
        }
        int n = 0;
        for (Map.Entry<String, Map<String, List<double[]>>> v : byVariant.entrySet()) {
            XYChart chart = Figures.lines("Estimator efficiency, " + v.getKey(), "compute per estimate (forward-pass equivalents, log)",
                    "best decrease / base loss (log scale)");
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setYAxisLogarithmic(true);
            chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            chart.getStyler().setMarkerSize(9);
            chart.getStyler().setErrorBarsColorSeriesColor(true);
            for (Map.Entry<String, List<double[]>> s : v.getValue().entrySet()) {
                s.getValue().sort(Comparator.comparingDouble(p -> p[0]));
                chart.addSeries(s.getKey(), s.getValue().stream().mapToDouble(p -> p[0]).toArray(),
                        s.getValue().stream().mapToDouble(p -> p[1]).toArray(), s.getValue().stream().mapToDouble(p -> p[2]).toArray());
            }
            List<String> gone = dropped.getOrDefault(v.getKey(), List.of());
            c.figure("estimate", chart, "efficiency_" + (n++), "Descent bought per unit of compute: " + v.getKey(),
                    "Each point is one estimator setting; x counts the forward passes it evaluates (a backward pass counts as two),"
                            + " y is its best loss decrease relative to the loss before the step (mean over repeats, error bars"
                            + " one sd, cut at a tenth of the mean). Up and to the left is better."
                            + (gone.isEmpty() ? "" : " Not drawn (no descent on average): " + String.join(", ", gone) + "."));
        }
    }
}
