package bitgrad.pipelines.report;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;

/** Best decrease against width: best CDG over eps, each NES sample size (best sigma), STE, best sr-STE per k. */
final class BestVsDim implements Part {

    /** Bumped whenever what this part draws or where it files it changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 3;
    }

    /** The series of the random-direction control. */
    static final String CONTROL = "RANDOM";

    @Override
    public void render(ReportContext c) throws IOException {
        // variant -> series -> dim -> the best cell of the series at that dim
        Map<String, Map<String, TreeMap<Long, Cells.Cell>>> byVariant = new TreeMap<>();
        for (Cells.Cell cell : c.cells()) {
            String series = cell.spec() instanceof CdgEstimator ? "CDG (best eps)"
                    : cell.spec() instanceof NesEstimator nes ? "NES n=" + nes.samples()
                            + (nes.mode().equals("antithetic") ? "" : " " + nes.mode()) + " (best sigma)"
                    : cell.spec() instanceof SrSteEstimator sr ? "sr-STE k=" + sr.samples() + (sr.backward()
                            == bitgrad.models.nets.StochasticRounding.Backward.RELAXED ? " relaxed" : "") + " (best tau)"
                    : cell.spec().family().toUpperCase(Locale.ROOT);
            byVariant.computeIfAbsent(cell.variant(), x -> new TreeMap<>()).computeIfAbsent(series, x -> new TreeMap<>())
                    .merge(cell.dim(), cell, (a, b) -> a.relativeMean() >= b.relativeMean() ? a : b);
        }
        int n = 0;
        for (Map.Entry<String, Map<String, TreeMap<Long, Cells.Cell>>> v : byVariant.entrySet()) {
            // the axis is fitted to the estimators, not to the random control: a control 100 times lower would squeeze every
            // line the figure compares into its top tenth. Linear when the estimators span less than a decade.
            double lo = Double.POSITIVE_INFINITY;
            double hi = 0;
            for (Map.Entry<String, TreeMap<Long, Cells.Cell>> s : v.getValue().entrySet()) {
                if (!s.getKey().equals(CONTROL)) {
                    for (Cells.Cell cell : s.getValue().values()) {
                        if (cell.relativeMean() > 0) {
                            lo = Math.min(lo, cell.relativeMean() - Math.min(cell.relativeSd(), 0.9 * cell.relativeMean()));
                            hi = Math.max(hi, cell.relativeMean() + cell.relativeSd());
                        }
                    }
                }
            }
            // (a run of the control alone keeps the log axis the figure always had). A linear axis never cuts a bar: one whose sd
            // passes 0.9 of its mean puts lo at a tenth of that mean and hi above 1.9 times it, so the axis is logarithmic.
            boolean log = !Double.isFinite(lo) || hi > 10 * lo;
            XYChart chart = Figures.lines("Best loss decrease vs model width, " + v.getKey(), "num_dim (model width)",
                    "best decrease / base loss" + (log ? " (log scale)" : ""));
            chart.getStyler().setYAxisLogarithmic(log);
            if (!log && hi > lo) {
                double pad = 0.05 * (hi - lo);
                chart.getStyler().setYAxisMin(Math.max(0, lo - pad));
                chart.getStyler().setYAxisMax(hi + pad);
            }
            chart.getStyler().setErrorBarsColorSeriesColor(true);
            int colour = 0;
            List<String> dropped = new ArrayList<>();
            List<String> control = new ArrayList<>();
            for (Map.Entry<String, TreeMap<Long, Cells.Cell>> s : v.getValue().entrySet()) {
                List<double[]> pts = new ArrayList<>();
                for (Map.Entry<Long, Cells.Cell> e : s.getValue().entrySet()) {
                    Cells.Cell cell = e.getValue();
                    if (s.getKey().equals(CONTROL) && Double.isFinite(lo) && (cell.relativeMean() < lo || cell.relativeMean() > hi)) {
                        control.add(String.format(Locale.ROOT, "%.2g at dim %d", cell.relativeMean(), e.getKey()));
                    } else if (cell.relativeMean() > 0) {
                        // a log axis cannot show a bar below zero: bars are cut at a tenth of the mean
                        pts.add(new double[] {e.getKey(), cell.relativeMean(), log ? Math.min(cell.relativeSd(), 0.9 * cell.relativeMean())
                            : cell.relativeSd()});
                    } else {
                        dropped.add(s.getKey() + " at dim " + e.getKey());
                    }
                }
                if (!pts.isEmpty()) {
                    Figures.errorLine(chart, s.getKey(), pts.stream().mapToDouble(p -> p[0]).toArray(),
                            pts.stream().mapToDouble(p -> p[1]).toArray(), pts.stream().mapToDouble(p -> p[2]).toArray(), colour);
                }
                colour++;
            }
            // across two widths or more it is what the run answers (hparam-search, quickstart): it leads the page
            boolean widths = v.getValue().values().stream().anyMatch(m -> m.size() > 1);
            c.figure(widths ? ReportPage.LEAD : "lr-sweep", chart, "best_vs_dim_" + (n++), "Best loss decrease vs num_dim: " + v.getKey(),
                    "Best decrease over the lr grid relative to the loss before the step, mean over repeats, error bars one sd"
                            + (log ? " (cut at a tenth of the mean where the sd is larger)" : "") + ". Where the CDG line stays below"
                            + " an NES line, that NES setting beats every CDG eps tried."
                            + (control.isEmpty() ? "" : " The random-direction control, off this axis: " + String.join(", ", control) + ".")
                            + (dropped.isEmpty() ? "" : " Not drawn (no descent on average): " + String.join(", ", dropped) + "."));
        }
    }
}
