package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;

import bitgrad.schemas.Tables;

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
 * Does the smoothed gradient point downhill at all? From {@code smoothing}: along each NES step
 * (per layer restriction), whether the loss smoothed at sigma falls or rises and whether the true
 * loss falls, stays flat or rises; where the two disagree, and which way. The smoothed change is
 * a Monte Carlo estimate: it counts as falling or rising only where its t test (over the draws)
 * survives Benjamini-Hochberg at 5 % over every case of the run (the false discovery rate of the
 * outcomes); the true change is exact, and "flat" where it is within {@link #FLAT} of the loss
 * (no row changed level, or float rounding). Which way the disagreements go is tested with the
 * init as the unit. CDG is not in the question: it follows no Gaussian smoothing.
 */
final class SmoothingPart implements Part {

    /**
     * Report table: per (variant, dim, estimator, layer restriction), how many repeats fall in each
     * outcome of the smoothing question (the smoothed change counts where its t test survives
     * Benjamini-Hochberg over the run's cases; the true change is flat within 1e-6 of the loss).
     */
    static final Tables.Schema SMOOTHING_OUTCOMES = new Tables.Schema("smoothing_outcomes", new Object[] {"variant", STRING, "dim", LONG, "estimator", STRING,
            "update", STRING, "both_fall", LONG, "smoothed_falls_true_rises", LONG, "smoothed_falls_true_flat", LONG,
            "true_falls_smoothed_rises", LONG, "smoothed_within_noise", LONG, "smoothed_rises_true_not_falling", LONG});

    static final String QUESTION = "smoothing";

    /** A true change within this fraction of the loss is flat: float rounding of a float32 mean, or no row changed level. */
    static final double FLAT = bitgrad.models.measure.LrSweep.FLAT;

    /** Bumped whenever what this part says changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 2;
    }

    /** One figure: a variant and a dim. */
    private record Panel(String variant, long dim) {
        String title() {
            return variant + ", dim=" + dim;
        }
    }

    /** Outcomes of one (estimate, restriction). */
    enum Outcome {
        BOTH("both fall"), SMOOTHED_ONLY("smoothed falls, true rises"), SMOOTHED_FLAT("smoothed falls, true flat"),
        TRUE_ONLY("true falls, smoothed rises"), NOISE("smoothed within noise"), NEITHER("smoothed rises, true rises or flat");

        final String label;

        Outcome(String label) {
            this.label = label;
        }

        /** The outcome from the signs: {@code smoothed} -1 falls, 0 within noise, 1 rises; {@code truth} -1 falls, 0 flat, 1 rises. */
        static Outcome of(int smoothed, int truth) {
            if (smoothed == 0) {
                return NOISE;
            }
            if (smoothed < 0) {
                return truth < 0 ? BOTH : truth == 0 ? SMOOTHED_FLAT : SMOOTHED_ONLY;
            }
            return truth < 0 ? TRUE_ONLY : NEITHER;
        }

        /** The smoothed loss falls and the true one does not (rises or stays flat). */
        boolean smoothedOnly() {
            return this == SMOOTHED_ONLY || this == SMOOTHED_FLAT;
        }
    }

    /** The sign of an exact change: 0 within {@link #FLAT} of the loss. */
    static int truth(double change, double baseLoss) {
        return Math.abs(change) <= FLAT * Math.abs(baseLoss) ? 0 : change < 0 ? -1 : 1;
    }

    /** One NES step of the run with its outcome. */
    record Case(String variant, long dim, long init, long pretrained, String estimator, String update, int truth, Outcome outcome) {
    }

    /**
     * Every NES case of the run's {@code smoothing} tables with its outcome: the smoothed change's
     * two-sided t test over its draws ({@code samples - 1} degrees of freedom), Benjamini-Hochberg
     * over all cases.
     */
    static List<Case> cases(ReportContext c) throws IOException {
        List<ColumnTable> tables = new ArrayList<>();
        for (String k : c.keys("smoothing")) {
            tables.add(c.table("smoothing", k, SmoothingStage.CHANGES.file()));
        }
        return cases(tables);
    }

    /** {@link #cases(ReportContext)} of the given tables. */
    static List<Case> cases(List<ColumnTable> tables) {
        List<double[]> rows = new ArrayList<>();
        List<Object[]> ids = new ArrayList<>();
        for (ColumnTable t : tables) {
            for (int r = 0; r < t.rows(); r++) {
                if (!t.string("family", r).equals("nes")) {
                    continue; // a cache from before CDG was left out may still hold CDG rows
                }
                double sm = t.getDouble("smoothed_change", r);
                double se = t.getDouble("smoothed_se", r);
                long n = t.getLong("samples", r);
                double p = se > 0 && n > 1 ? Math.min(1, 2 * bitgrad.models.stats.StudentT.upperTail(Math.abs(sm / se), (int) n - 1))
                        : sm == 0 ? 1 : 0;
                Object base = t.get("base_loss", r);
                rows.add(new double[] {sm, p, t.getDouble("true_change", r), base == null ? 0 : (Double) base});
                ids.add(new Object[] {Cells.variant(t.string("activation", r), t.getLong("rows", r), t.getLong("pretrained", r)),
                    t.getLong("dim", r), t.getLong("init", r), t.getLong("pretrained", r), t.string("estimator", r), t.string("update", r)});
            }
        }
        double[] q = bitgrad.models.stats.Corrections.benjaminiHochberg(rows.stream().mapToDouble(x -> x[1]).toArray());
        List<Case> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            double[] x = rows.get(i);
            Object[] id = ids.get(i);
            int smoothed = q[i] < bitgrad.models.stats.PairedTest.ALPHA ? (x[0] < 0 ? -1 : 1) : 0;
            int truth = truth(x[2], x[3]);
            out.add(new Case((String) id[0], (Long) id[1], (Long) id[2], (Long) id[3], (String) id[4], (String) id[5], truth,
                    Outcome.of(smoothed, truth)));
        }
        return out;
    }

    /**
     * Which way the disagreements go, the init as the unit: per init, (smoothed falls while the true
     * loss does not, minus true falls while the smoothed rises) over its cases; t over inits.
     */
    static bitgrad.models.stats.PairedTest direction(List<Case> cases) {
        Map<Long, double[]> byInit = new TreeMap<>();
        for (Case x : cases) {
            double[] v = byInit.computeIfAbsent(x.init(), k -> new double[2]);
            v[0] += x.outcome().smoothedOnly() ? 1 : x.outcome() == Outcome.TRUE_ONLY ? -1 : 0;
            v[1]++;
        }
        return bitgrad.models.stats.PairedTest.of(byInit.values().stream().mapToDouble(v -> v[0] / v[1]).toArray());
    }

    @Override
    public void render(ReportContext c) throws IOException {
        List<Case> all = cases(c);
        if (all.isEmpty()) {
            return;
        }
        // panel -> estimator -> update -> outcome counts
        Map<Panel, Map<String, Map<String, int[]>>> panels = new LinkedHashMap<>();
        int[] total = new int[Outcome.values().length];
        int trueFalls = 0;
        int trueFlat = 0;
        for (Case x : all) {
            panels.computeIfAbsent(new Panel(x.variant(), x.dim()), k -> new LinkedHashMap<>())
                    .computeIfAbsent(x.estimator(), k -> new LinkedHashMap<>())
                    .computeIfAbsent(x.update(), k -> new int[Outcome.values().length])[x.outcome().ordinal()]++;
            total[x.outcome().ordinal()]++;
            trueFalls += x.truth() < 0 ? 1 : 0;
            trueFlat += x.truth() == 0 ? 1 : 0;
        }
        int cases = all.size();
        int smoothedOnly = total[Outcome.SMOOTHED_ONLY.ordinal()] + total[Outcome.SMOOTHED_FLAT.ordinal()];
        int trueOnly = total[Outcome.TRUE_ONLY.ordinal()];
        int noise = total[Outcome.NOISE.ordinal()];
        bitgrad.models.stats.PairedTest dir = direction(all);
        String reading;
        if (noise * 2 > cases) {
            reading = "The smoothed change is within its noise in most cases: more smoothing samples (questions.smoothing_samples)"
                    + " are needed before the two can be compared.";
        } else if (smoothedOnly + trueOnly == 0) {
            reading = "The two never disagree here: where the smoothed loss falls, the true one does not rise.";
        } else if (dir.n() < 2) {
            reading = "Which way the disagreements lean is not decided: one init (the unit of replication); raise num_init.";
        } else if (dir.significant()) {
            reading = String.format(Locale.ROOT, "%s (per init, the share of cases where the smoothed loss falls and the true does"
                    + " not, minus the reverse: %.2f, 95%% interval %.2f to %.2f, t over %d inits, p=%.2g).", dir.mean() > 0
                    ? "The disagreements lean to steps that lower the smoothed loss but not the true one: NES does point downhill on"
                            + " the smoothed loss, and it is smoothing, not the estimate, that fails to carry over"
                    : "The disagreements lean to steps that lower the true loss while the smoothed one rises: the smoothed loss has"
                            + " its own slope here, and the estimate follows the true loss's", dir.mean(), dir.low(), dir.high(),
                    dir.n(), dir.p());
        } else {
            reading = String.format(Locale.ROOT, "Which way the disagreements lean is not decided (per init, smoothed-only minus"
                    + " true-only share %.2f, 95%% interval %.2f to %.2f, t over %d inits, p=%.2g; this design detects a lean of %.2g"
                    + " with 80%% power).", dir.mean(), dir.low(), dir.high(), dir.n(), dir.p(), dir.detectable());
        }
        String sentence = String.format(Locale.ROOT, "Along %d (NES estimate, layer restriction) steps as long as sigma, the loss"
                + " smoothed at sigma falls in %s and the true loss in %s (flat, within %.0e of the loss, in %s); they disagree in"
                + " %s (smoothed falls, true rises: %d; smoothed falls, true flat: %d; true falls, smoothed rises: %d); the smoothed"
                + " change is within its noise in %s (its t test over the draws, Benjamini-Hochberg at 5%% over the %d cases). %s"
                + " CDG is left out: its central difference follows the loss averaged along one coordinate, not a Gaussian"
                + " smoothing.", cases, pct(total[Outcome.BOTH.ordinal()] + smoothedOnly, cases), pct(trueFalls, cases), FLAT,
                pct(trueFlat, cases), pct(smoothedOnly + trueOnly, cases), total[Outcome.SMOOTHED_ONLY.ordinal()],
                total[Outcome.SMOOTHED_FLAT.ordinal()], trueOnly, pct(noise, cases), cases, reading);
        Questions.verdict(c, QUESTION, "Does the smoothed gradient point downhill at all?", sentence, String.format(Locale.ROOT,
                "smoothed_falls=%.3f true_falls=%.3f true_flat=%.3f disagree=%.3f smoothed_only=%d true_only=%d within_noise=%.3f"
                        + " cases=%d fdr=bh inits=%d lean=%.3g p=%s",
                frac(total[Outcome.BOTH.ordinal()] + smoothedOnly, cases), frac(trueFalls, cases), frac(trueFlat, cases),
                frac(smoothedOnly + trueOnly, cases), smoothedOnly, trueOnly, frac(noise, cases), cases, dir.n(), dir.mean(),
                dir.n() < 2 ? "none" : String.format(Locale.ROOT, "%.3g", dir.p())));
        ColumnTable table = SMOOTHING_OUTCOMES.empty();
        panels.forEach((panel, ests) -> ests.forEach((est, updates) -> updates.forEach((u, cnt) -> table.add(
                panel.variant(), panel.dim(), est, u,
                (long) cnt[0], (long) cnt[1], (long) cnt[2], (long) cnt[3], (long) cnt[4], (long) cnt[5]))));
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
                new java.awt.Color(0xffbb78), new java.awt.Color(0x1f77b4), new java.awt.Color(0xdddddd), new java.awt.Color(0x777777)});
            c.figure(Questions.SECTION, chart, "smoothing_" + (n++), "Smoothed vs true loss along each step, " + panel.getKey().title(),
                    "For each NES estimate, its normalised step restricted to one layer, the hidden layers or whole, as long as"
                            + " sigma: whether the loss Gaussian-smoothed at sigma falls or rises (its t test over the common draws,"
                            + " Benjamini-Hochberg at 5% over every case of the run; light grey: within noise) and whether the true loss"
                            + " falls, stays flat (within " + FLAT + " of the loss) or rises. Orange, light orange and blue are where"
                            + " the two disagree."
                            + " L0 is the first layer, hid the hidden"
                            + " layers without the output one, all the whole step.");
        }
        c.table(Questions.SECTION, "Smoothed vs true loss: repeats per outcome, per estimator and layer restriction", table);
    }

    private static double frac(int k, int n) {
        return n == 0 ? Double.NaN : (double) k / n;
    }

    private static String pct(int k, int n) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * frac(k, n));
    }
}
