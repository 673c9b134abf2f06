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

    /** Per rate (ascending): the rate, the mean and the sample standard deviation (0 for one value) of its decreases. */
    static double[][] meanSd(TreeMap<Double, List<Double>> byRate) {
        double[][] out = new double[3][byRate.size()];
        int i = 0;
        for (Map.Entry<Double, List<Double>> e : byRate.entrySet()) {
            out[0][i] = e.getKey();
            out[1][i] = Cells.Cell.mean(e.getValue());
            out[2][i] = e.getValue().size() > 1 ? Cells.Cell.sd(e.getValue()) : 0;
            i++;
        }
        return out;
    }

    /** Bumped whenever what this part draws or says changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 5;
    }

    /** The figure an estimator's curve goes to when a width has more curves than colours: its family, NES per sample count. */
    private static String panelOf(String family, String spec) {
        int samples = 0;
        try {
            samples = bitgrad.transforms.Task.JSON.readTree(spec).path("samples").asInt(0);
        } catch (IOException | RuntimeException e) {
            // a spec that does not parse: the family alone
        }
        return REFERENCES.contains(family) ? family : family.toUpperCase(Locale.ROOT) + (family.equals("nes") && samples > 0 ? " n=" + samples : "");
    }

    /** The families every per-family figure shows beside its own: STE and the random control. */
    private static final java.util.Set<String> REFERENCES = java.util.Set.of("ste", "random");

    /** The random-direction control's label. */
    private static final String CONTROL = "random";

    /** The points of {@code ms} (rates, means, sds) at rates from {@code left} on. */
    private static double[][] from(double[][] ms, double left) {
        int k = 0;
        while (k < ms[0].length && ms[0][k] < left) {
            k++;
        }
        return new double[][] {java.util.Arrays.copyOfRange(ms[0], k, ms[0].length), java.util.Arrays.copyOfRange(ms[1], k, ms[1].length),
            java.util.Arrays.copyOfRange(ms[2], k, ms[2].length)};
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
            // per estimator and rate, the decreases of every repeat that swept that rate (the grid's rates: all of them;
            // the extension past an end: the repeats whose best rate sat there)
            Map<String, TreeMap<Double, List<Double>>> curves = new LinkedHashMap<>();
            Map<String, String> familyOf = new LinkedHashMap<>();
            for (String sweep : g.getValue()) {
                ColumnTable t = c.table("lr-sweep", sweep, LrSweepStage.CURVES.file());
                for (int r = 0; r < t.rows(); r++) {
                    familyOf.putIfAbsent(t.string("estimator", r), panelOf(t.string("family", r), t.string("estimator_spec", r)));
                    curves.computeIfAbsent(t.string("estimator", r), x -> new TreeMap<>())
                            .computeIfAbsent(t.getDouble("lr", r), x -> new ArrayList<>()).add(t.getDouble("decrease", r));
                }
            }
            // every repeat sweeps the grid: the most values at one rate is the number of repeats
            int repeats = curves.values().stream().flatMap(m -> m.values().stream()).mapToInt(List::size).max().orElse(0);
            // the answer is near the top: the axis spans up to 1.3x the best mean decrease and down to the lowest
            // band (or 0), but not below -0.5x the best, lower values drawn at the floor
            double top = 0;
            double low = 0;
            Map<String, double[][]> stats = new LinkedHashMap<>();
            for (Map.Entry<String, TreeMap<Double, List<Double>>> e : curves.entrySet()) {
                double[][] ms = meanSd(e.getValue());
                stats.put(e.getKey(), ms);
                for (int i = 0; i < ms[0].length; i++) {
                    top = Math.max(top, ms[1][i]);
                    low = Math.min(low, ms[1][i] - ms[2][i]);
                }
            }
            double floor = top > 0 ? Math.max(-0.5 * top, low - 0.1 * top) : Double.NEGATIVE_INFINITY;
            // the rates the estimators swept; the random control's sweep, extended downwards while no rate lowered the loss,
            // would otherwise stretch the axis over decades where nothing else was measured
            double left = stats.entrySet().stream().filter(e -> !e.getKey().equals(CONTROL)).mapToDouble(e -> e.getValue()[0][0]).min()
                    .orElse(Double.NaN);
            boolean cut = stats.containsKey(CONTROL) && Double.isFinite(left) && stats.get(CONTROL)[0][0] < left;
            // one figure while every curve has its own colour; past that, one per estimator family, each beside the references
            // (STE and the random control), on the same axes
            Map<String, List<String>> panels = new LinkedHashMap<>();
            if (stats.size() <= Figures.PALETTE.length) {
                panels.put("", new ArrayList<>(stats.keySet()));
            } else {
                List<String> references = stats.keySet().stream().filter(k -> REFERENCES.contains(familyOf.get(k))).toList();
                // NES per sample count: its sigmas beside each other (4 sigmas x 3 counts would repeat the palette again)
                for (String k : stats.keySet()) {
                    if (!REFERENCES.contains(familyOf.get(k))) {
                        panels.computeIfAbsent(familyOf.get(k), f -> new ArrayList<>(references)).add(k);
                    }
                }
            }
            for (Map.Entry<String, List<String>> panel : panels.entrySet()) {
                String which = panel.getKey().isEmpty() ? "" : panel.getKey() + ", ";
                XYChart chart = Figures.lines("Loss decrease vs learning rate, " + which + titles.get(g.getKey()),
                        "learning rate (log scale)", "loss decrease L(w) - L(w - lr g)");
                chart.getStyler().setXAxisLogarithmic(true);
                if (cut) {
                    chart.getStyler().setXAxisMin(left);
                }
                if (top > 0) {
                    chart.getStyler().setYAxisMin(floor);
                    chart.getStyler().setYAxisMax(1.3 * top);
                }
                int colour = 0;
                for (String label : panel.getValue()) {
                    double[][] ms = stats.get(label);
                    if (cut && label.equals(CONTROL)) {
                        ms = from(ms, left);
                        if (ms[0].length == 0) {
                            colour++;
                            continue;
                        }
                    }
                    Figures.line(chart, label, ms[0], clip(ms[1], floor), colour);
                    if (repeats > 1) {
                        Figures.band(chart, label + " +sd", ms[0], clip(Figures.plus(ms[1], ms[2], 1), floor), colour);
                        Figures.band(chart, label + " -sd", ms[0], clip(Figures.plus(ms[1], ms[2], -1), floor), colour);
                    }
                    colour++;
                }
                c.figure("lr-sweep", chart, "lr_curves_" + (n++), "Loss decrease vs lr: " + which + titles.get(g.getKey()),
                        "Mean over " + repeats + " repeats (inits x batches); thin dashed lines (not in the legend): mean"
                                + " +- one standard deviation. Rates past an end of the configured grid are its extension, swept where a"
                                + " repeat's best rate sat at that end: their mean is over the repeats that reached them. The y axis spans"
                                + " up to 1.3x the best mean decrease and down to the lowest curve, at most -0.5x the best, so the best"
                                + " rates show; larger increases of the loss are drawn at the bottom edge."
                                + (panel.getKey().isEmpty() ? "" : " One figure per estimator family, each with STE and the random control,"
                                        + " on the same axes as this width's other figures.")
                                + (cut ? " The random control's sweep continues below the estimators' smallest rate, off this axis"
                                        + " (bitgrad export's lr_curve table has every rate)." : ""));
            }
        }
    }
}
