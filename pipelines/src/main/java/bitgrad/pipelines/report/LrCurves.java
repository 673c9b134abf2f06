package bitgrad.pipelines.report;

import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.LrSweepStage;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;

/** Loss decrease against lr per (variant, dim): the mean over repeats of every estimator, with its spread. */
final class LrCurves implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        Map<String, List<String>> groups = new TreeMap<>();
        Map<String, String> titles = new LinkedHashMap<>();
        for (String sweep : c.keys("lr-sweep")) {
            JsonNode m = c.params("lr-sweep", sweep).path("point");
            String v = Cells.variant(m.get("activation").asText(), m.get("rows").asLong(), m.get("pretrained").asBoolean() ? 1 : 0);
            String g = String.format(Locale.ROOT, "%s|%05d", v, m.get("dim").asInt());
            groups.computeIfAbsent(g, x -> new ArrayList<>()).add(sweep);
            titles.put(g, "dim=" + m.get("dim").asInt() + ", " + v);
        }
        int n = 0;
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            Map<String, List<double[]>> curves = new LinkedHashMap<>();
            double[] lrs = null;
            for (String sweep : g.getValue()) {
                ColumnTable t = c.table("lr-sweep", sweep, LrSweepStage.CURVES.file());
                Map<String, List<Double>> dec = new LinkedHashMap<>();
                Map<String, List<Double>> lr = new LinkedHashMap<>();
                for (int r = 0; r < t.rows(); r++) {
                    dec.computeIfAbsent(t.string("estimator", r), x -> new ArrayList<>()).add(t.getDouble("decrease", r));
                    lr.computeIfAbsent(t.string("estimator", r), x -> new ArrayList<>()).add(t.getDouble("lr", r));
                }
                for (String e : dec.keySet()) {
                    curves.computeIfAbsent(e, x -> new ArrayList<>()).add(Figures.toArray(dec.get(e)));
                    lrs = Figures.toArray(lr.get(e));
                }
            }
            XYChart chart = Figures.lines("Loss decrease vs learning rate, " + titles.get(g.getKey()),
                    "learning rate (step along the normalised estimate)", "loss decrease L(w) - L(w - lr g)");
            int colour = 0;
            for (Map.Entry<String, List<double[]>> e : curves.entrySet()) {
                double[][] ms = Figures.meanSd(e.getValue());
                Figures.line(chart, e.getKey(), lrs, ms[0], colour);
                if (e.getValue().size() > 1) {
                    Figures.band(chart, e.getKey() + " +sd", lrs, Figures.plus(ms[0], ms[1], 1), colour);
                    Figures.band(chart, e.getKey() + " -sd", lrs, Figures.plus(ms[0], ms[1], -1), colour);
                }
                colour++;
            }
            c.figure("lr-sweep", chart, "lr_curves_" + (n++), "Loss decrease vs lr: " + titles.get(g.getKey()),
                    "Mean over " + g.getValue().size() + " repeats (inits x batches); dashed lines: mean +- one standard deviation.");
        }
    }
}
