package bitgrad.pipelines.report;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.RandomBackwardSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.LrSweepStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.XYChart;

/** Stochastic STE backprop against STE: their loss-decrease curves on the first (model, batch), when the run has probes. */
final class SteRandomPart implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> sweeps = c.keys("lr-sweep");
        if (c.keys("probe").isEmpty() || sweeps.isEmpty()) {
            return;
        }
        // every sweep of the first (model, batch) with a stochastic-backprop estimate (dims that only question
        // nes-after-pretraining measures have none): one task per estimate
        com.fasterxml.jackson.databind.JsonNode first = null;
        for (String key : sweeps) {
            ColumnTable t = c.table("lr-sweep", key, LrSweepStage.CURVES.file());
            if (t.rows() > 0 && Cells.spec(t, "estimator_spec", 0) instanceof RandomBackwardSteEstimator) {
                first = c.params("lr-sweep", key).path("point");
                break;
            }
        }
        if (first == null) {
            return;
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (String key : sweeps) {
            if (!c.params("lr-sweep", key).path("point").equals(first)) {
                continue;
            }
            ColumnTable t = c.table("lr-sweep", key, LrSweepStage.CURVES.file());
            for (int r = 0; r < t.rows(); r++) {
                Estimator est = Cells.spec(t, "estimator_spec", r);
                if (est instanceof SteEstimator || est instanceof RandomBackwardSteEstimator) {
                    series.computeIfAbsent(t.string("estimator", r), x -> new ArrayList<>())
                            .add(new double[] {t.getDouble("lr", r), t.getDouble("decrease", r)});
                }
            }
        }
        if (series.size() < 2) {
            return;
        }
        XYChart chart = Figures.lines("Stochastic STE backprop vs STE", "learning rate", "loss decrease L(w) - L(w - lr g)");
        int colour = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            Figures.line(chart, e.getKey(), e.getValue().stream().mapToDouble(p -> p[0]).toArray(),
                    e.getValue().stream().mapToDouble(p -> p[1]).toArray(), colour++);
        }
        c.figure("probe", chart, "probe_ste_random", "Stochastic STE backprop",
                "Deterministic forward, backward pseudo-derivatives kept with probability keep (scaled by 1/keep), averaged over k draws; first (model, batch).");
    }
}
