package bitgrad.pipelines.report;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Best decrease against width: best CDG over eps, each NES sample size (best sigma), STE, best sr-STE per k. */
final class BestVsDim implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        Map<String, Map<String, TreeMap<Long, Double>>> byVariant = new TreeMap<>();
        for (Cells.Cell cell : c.cells()) {
            String series = cell.spec() instanceof CdgEstimator ? "CDG (best eps)"
                    : cell.spec() instanceof NesEstimator nes ? "NES n=" + nes.samples()
                            + (nes.mode().equals("antithetic") ? "" : " " + nes.mode()) + " (best sigma)"
                    : cell.spec() instanceof SrSteEstimator sr ? "sr-STE k=" + sr.samples() + (sr.backward()
                            == bitgrad.models.nets.StochasticRounding.Backward.RELAXED ? " relaxed" : "") + " (best tau)"
                    : cell.spec().family().toUpperCase(Locale.ROOT);
            byVariant.computeIfAbsent(cell.variant(), x -> new TreeMap<>()).computeIfAbsent(series, x -> new TreeMap<>())
                    .merge(cell.dim(), cell.mean(), Math::max);
        }
        int n = 0;
        for (Map.Entry<String, Map<String, TreeMap<Long, Double>>> v : byVariant.entrySet()) {
            XYChart chart = Figures.lines("Best loss decrease vs model width, " + v.getKey(), "num_dim (model width)",
                    "best loss decrease over the lr grid (mean over repeats)");
            chart.getStyler().setXAxisDecimalPattern("0");
            int colour = 0;
            for (Map.Entry<String, TreeMap<Long, Double>> s : v.getValue().entrySet()) {
                double[] x = s.getValue().keySet().stream().mapToDouble(Long::doubleValue).toArray();
                double[] y = s.getValue().values().stream().mapToDouble(Double::doubleValue).toArray();
                Figures.line(chart, s.getKey(), x, y, colour++).setMarker(SeriesMarkers.CIRCLE);
            }
            c.figure("lr-sweep", chart, "best_vs_dim_" + (n++), "Best loss decrease vs num_dim: " + v.getKey(),
                    "Where the CDG line stays below an NES line, that NES setting beats every CDG eps tried.");
        }
    }
}
