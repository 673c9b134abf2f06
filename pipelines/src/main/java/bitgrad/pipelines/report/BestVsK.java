package bitgrad.pipelines.report;

import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.StochasticRounding;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;

/** sr-STE: best decrease against the number of samples k, one line per temperature, STE as reference. */
final class BestVsK implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        Map<String, Map<String, TreeMap<Long, double[]>>> byVariant = new TreeMap<>();
        Map<String, Double> ste = new TreeMap<>();
        for (Cells.Cell cell : c.cells()) {
            String v = cell.variant() + ", dim=" + cell.dim();
            if (cell.spec() instanceof SrSteEstimator sr) {
                String series = "sr-STE tau=" + sr.tau() + (sr.backward() == StochasticRounding.Backward.RELAXED ? " relaxed backward" : "")
                        + (sr.sampledForward() ? "" : " deterministic forward");
                byVariant.computeIfAbsent(v, x -> new TreeMap<>()).computeIfAbsent(series, x -> new TreeMap<>())
                        .put((long) sr.samples(), new double[] {cell.mean(), cell.sd()});
            } else if (cell.spec() instanceof SteEstimator) {
                ste.put(v, cell.mean());
            }
        }
        int n = 0;
        for (Map.Entry<String, Map<String, TreeMap<Long, double[]>>> v : byVariant.entrySet()) {
            if (v.getValue().values().stream().allMatch(m -> m.size() < 2)) {
                continue;
            }
            XYChart chart = Figures.lines("Best loss decrease vs sr-STE samples, " + v.getKey(), "k (stochastic forward passes averaged)",
                    "best loss decrease (vanilla sign after the update)");
            chart.getStyler().setErrorBarsColorSeriesColor(true);
            int colour = 0;
            double[] ks = null;
            for (Map.Entry<String, TreeMap<Long, double[]>> s : v.getValue().entrySet()) {
                ks = s.getValue().keySet().stream().mapToDouble(Long::doubleValue).toArray();
                Figures.errorLine(chart, s.getKey(), ks, s.getValue().values().stream().mapToDouble(m -> m[0]).toArray(),
                        s.getValue().values().stream().mapToDouble(m -> m[1]).toArray(), colour++);
            }
            if (ste.containsKey(v.getKey()) && ks != null) {
                double[] y = new double[ks.length];
                Arrays.fill(y, ste.get(v.getKey()));
                Figures.line(chart, "STE", ks, y, colour);
            }
            c.figure("lr-sweep", chart, "best_vs_k_" + (n++), "Best decrease vs k: " + v.getKey(),
                    "Each point: the best loss decrease over the lr grid of the averaged sr-STE estimate, measured with the deterministic sign"
                            + " (mean over repeats, error bars one sd). "
                            + "The hard sample sign(y - 0.5) is Bernoulli(p) whatever tau, and all settings share their uniforms: "
                            + "with the STE-like backward tau changes nothing; it matters only through the relaxed backward.");
        }
    }
}
