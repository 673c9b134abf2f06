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

    private static double[] clip(double[] v, double floor) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = Math.max(v[i], floor);
        }
        return out;
    }

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
                    "learning rate (log scale)", "loss decrease L(w) - L(w - lr g)");
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setXAxisDecimalPattern("0.#E0");
            // the answer is near the top: the axis spans up to 1.3x the best mean decrease and down to the lowest
            // band (or 0), but not below -2x the best, lower values drawn at the floor
            double top = 0;
            double low = 0;
            for (List<double[]> runs : curves.values()) {
                double[][] ms = Figures.meanSd(runs);
                for (int i = 0; i < ms[0].length; i++) {
                    top = Math.max(top, ms[0][i]);
                    low = Math.min(low, runs.size() > 1 ? ms[0][i] - ms[1][i] : ms[0][i]);
                }
            }
            double floor = top > 0 ? Math.max(-2 * top, low - 0.1 * top) : Double.NEGATIVE_INFINITY;
            if (top > 0) {
                chart.getStyler().setYAxisMin(floor);
                chart.getStyler().setYAxisMax(1.3 * top);
            }
            int colour = 0;
            for (Map.Entry<String, List<double[]>> e : curves.entrySet()) {
                double[][] ms = Figures.meanSd(e.getValue());
                Figures.line(chart, e.getKey(), lrs, clip(ms[0], floor), colour);
                if (e.getValue().size() > 1) {
                    Figures.band(chart, e.getKey() + " +sd", lrs, clip(Figures.plus(ms[0], ms[1], 1), floor), colour);
                    Figures.band(chart, e.getKey() + " -sd", lrs, clip(Figures.plus(ms[0], ms[1], -1), floor), colour);
                }
                colour++;
            }
            c.figure("lr-sweep", chart, "lr_curves_" + (n++), "Loss decrease vs lr: " + titles.get(g.getKey()),
                    "Mean over " + curves.values().stream().mapToInt(List::size).max().orElse(0) + " repeats (inits x batches); thin dashed lines (not in the legend): mean"
                            + " +- one standard deviation. The y axis spans up to 1.3x the best mean decrease and down to the lowest"
                            + " curve, at most -2x the best, so the best rates show; larger increases of the loss are drawn at the"
                            + " bottom edge.");
        }
    }
}
