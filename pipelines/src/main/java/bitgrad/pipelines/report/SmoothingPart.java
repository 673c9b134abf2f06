package bitgrad.pipelines.report;

import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.SmoothingStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;

/**
 * Does the smoothed gradient point downhill at all? From {@code smoothing}: along each CDG and NES
 * step (per layer restriction), whether the loss smoothed at the estimator's scale falls (by more
 * than two standard errors of its Monte Carlo estimate) and whether the true loss falls; where the
 * two disagree in sign, and which way.
 */
final class SmoothingPart implements Part {

    static final String QUESTION = "smoothing";

    /** One figure: a variant and a dim. */
    private record Panel(String variant, long dim) {
        String title() {
            return variant + ", dim=" + dim;
        }
    }

    /** Outcomes of one (estimate, restriction); the smoothed change counts only beyond two standard errors. */
    enum Outcome {
        BOTH("both fall"), SMOOTHED_ONLY("smoothed falls, true does not"), TRUE_ONLY("true falls, smoothed rises"),
        NOISE("smoothed within noise"), NEITHER("both rise (or true flat)");

        final String label;

        Outcome(String label) {
            this.label = label;
        }

        /** The outcome of one step: the smoothed change counts only beyond two standard errors. */
        static Outcome of(double smoothedChange, double smoothedSe, double trueChange) {
            boolean trueFalls = trueChange < 0;
            return smoothedChange < -2 * smoothedSe ? (trueFalls ? BOTH : SMOOTHED_ONLY)
                    : smoothedChange > 2 * smoothedSe ? (trueFalls ? TRUE_ONLY : NEITHER) : NOISE;
        }
    }

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> keys = c.keys("smoothing");
        if (keys.isEmpty()) {
            return;
        }
        // panel -> estimator -> update -> outcome counts
        Map<Panel, Map<String, Map<String, int[]>>> panels = new LinkedHashMap<>();
        Map<String, int[]> byFamily = new TreeMap<>();
        int[] total = new int[Outcome.values().length + 1];
        for (String k : keys) {
            ColumnTable t = c.table("smoothing", k, SmoothingStage.CHANGES.file());
            for (int r = 0; r < t.rows(); r++) {
                double sm = t.getDouble("smoothed_change", r);
                double se = t.getDouble("smoothed_se", r);
                boolean trueFalls = t.getDouble("true_change", r) < 0;
                Outcome o = Outcome.of(sm, se, t.getDouble("true_change", r));
                Panel panel = new Panel(Cells.variant(t.string("activation", r), t.getLong("rows", r), t.getLong("pretrained", r)),
                        t.getLong("dim", r));
                panels.computeIfAbsent(panel, x -> new LinkedHashMap<>()).computeIfAbsent(t.string("estimator", r), x -> new LinkedHashMap<>())
                        .computeIfAbsent(t.string("update", r), x -> new int[Outcome.values().length])[o.ordinal()]++;
                // the last slot counts where the true loss falls, whatever the smoothed one did (within noise included)
                int[] fam = byFamily.computeIfAbsent(t.string("family", r), x -> new int[Outcome.values().length + 1]);
                fam[o.ordinal()]++;
                total[o.ordinal()]++;
                if (trueFalls) {
                    fam[Outcome.values().length]++;
                    total[Outcome.values().length]++;
                }
            }
        }
        int cases = java.util.Arrays.stream(total, 0, Outcome.values().length).sum();
        StringBuilder families = new StringBuilder();
        for (Map.Entry<String, int[]> f : byFamily.entrySet()) {
            int n = java.util.Arrays.stream(f.getValue(), 0, Outcome.values().length).sum();
            int[] v = f.getValue();
            families.append(String.format(Locale.ROOT, " %s: smoothed falls %s, true falls %s, they disagree %s, smoothed within noise %s.",
                    f.getKey().toUpperCase(Locale.ROOT), pct(v[0] + v[1], n), pct(trueFalls(v), n), pct(v[1] + v[2], n), pct(v[3], n)));
        }
        int smoothedOnly = total[Outcome.SMOOTHED_ONLY.ordinal()];
        int trueOnly = total[Outcome.TRUE_ONLY.ordinal()];
        int noise = total[Outcome.NOISE.ordinal()];
        String reading = noise * 2 > cases ? "The smoothed change is within its noise in most cases: more smoothing samples"
                + " (questions.smoothing_samples) are needed before the two can be compared."
                : smoothedOnly + trueOnly == 0 ? "The two never disagree here: where the smoothed loss falls, so does the true one."
                : smoothedOnly > 2 * trueOnly
                ? "Most disagreements are steps that lower the smoothed loss but not the true one: the estimate does point downhill"
                        + " on the smoothed loss, and it is smoothing, not the estimate, that fails to carry over."
                : trueOnly > 2 * smoothedOnly
                ? "Most disagreements are steps that lower the true loss while the smoothed one rises: the smoothed loss has its"
                        + " own slope here, and the estimate follows the true loss's."
                : "Disagreements go both ways in similar numbers.";
        String sentence = String.format(Locale.ROOT, "Along %d (estimate, layer restriction) steps as long as the estimator's own scale"
                + " (eps, sigma), the loss smoothed at that scale falls (beyond two standard errors) in %s and the true loss in %s;"
                + " they disagree in sign in %s (smoothed falls, true does not: %d; true falls, smoothed rises: %d); the smoothed change"
                + " is within its noise in %s.%s %s", cases, pct(total[0] + total[1], cases), pct(trueFalls(total), cases),
                pct(smoothedOnly + trueOnly, cases), smoothedOnly, trueOnly, pct(noise, cases), families, reading);
        Questions.verdict(c, QUESTION, "Does the smoothed gradient point downhill at all?", sentence, String.format(Locale.ROOT,
                "smoothed_falls=%.3f true_falls=%.3f disagree=%.3f smoothed_only=%d true_only=%d within_noise=%.3f cases=%d",
                frac(total[0] + total[1], cases), frac(trueFalls(total), cases), frac(smoothedOnly + trueOnly, cases), smoothedOnly, trueOnly,
                frac(noise, cases), cases));
        ColumnTable table = bitgrad.schemas.Tables.SMOOTHING_OUTCOMES.empty();
        panels.forEach((panel, ests) -> ests.forEach((est, updates) -> updates.forEach((u, cnt) -> table.add(
                panel.variant(), panel.dim(), est, u,
                (long) cnt[0], (long) cnt[1], (long) cnt[2], (long) cnt[3], (long) cnt[4]))));
        int n = 0;
        for (Map.Entry<Panel, Map<String, Map<String, int[]>>> panel : panels.entrySet()) {
            CategoryChart chart = Figures.bars("Smoothed vs true loss along each step, " + panel.getKey().title(), "estimator, layer restriction",
                    "share of repeats");
            chart.getStyler().setPlotContentSize(0.9);
            chart.getStyler().setStacked(true);
            chart.getStyler().setYAxisMax(1.0);
            List<String> cats = new ArrayList<>();
            List<int[]> counts = new ArrayList<>();
            panel.getValue().forEach((est, updates) -> updates.forEach((u, cnt) -> {
                cats.add(est + " " + u.replace("layer", "L").replace("hidden", "hid"));
                counts.add(cnt);
            }));
            chart.getStyler().setXAxisLabelRotation(90);
            chart.getStyler().setAxisTickLabelsFont(chart.getStyler().getAxisTickLabelsFont().deriveFont(10f));
            for (Outcome o : Outcome.values()) {
                chart.addSeries(o.label, cats, counts.stream().map(cnt -> (Number) frac(cnt[o.ordinal()],
                        java.util.Arrays.stream(cnt).sum())).toList());
            }
            chart.getStyler().setSeriesColors(new java.awt.Color[] {new java.awt.Color(0x2ca02c), new java.awt.Color(0xff7f0e),
                new java.awt.Color(0x1f77b4), new java.awt.Color(0xdddddd), new java.awt.Color(0x777777)});
            c.figure(Questions.SECTION, chart, "smoothing_" + (n++), "Smoothed vs true loss along each step, " + panel.getKey().title(),
                    "For each CDG and NES estimate, its normalised step restricted to one layer, the hidden layers or whole, as long as"
                            + " the estimator's scale (eps; sigma): whether the loss Gaussian-smoothed at the"
                            + " estimator's scale falls or rises (by more than two standard errors of its common-draw estimate; light grey:"
                            + " within noise) and whether the true loss falls. Orange and blue are where the two disagree in sign."
                            + " L0 is the first layer, hid the hidden"
                            + " layers without the output one, all the whole step.");
        }
        c.table(Questions.SECTION, "Smoothed vs true loss: repeats per outcome, per estimator and layer restriction", table);
    }

    /** Cases where the true loss falls (the slot after the outcomes). */
    private static int trueFalls(int[] counts) {
        return counts[Outcome.values().length];
    }

    private static double frac(int k, int n) {
        return n == 0 ? Double.NaN : (double) k / n;
    }

    private static String pct(int k, int n) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * frac(k, n));
    }
}
