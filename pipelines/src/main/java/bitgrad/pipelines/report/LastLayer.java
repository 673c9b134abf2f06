package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import bitgrad.transforms.LayerSweepStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;

/**
 * How much of each estimator's decrease is the last layer: from {@code layer-sweep}, the best
 * decrease of the step restricted to each layer, to the hidden layers and whole, as fractions of
 * the best restriction's (the whole step is one); a verdict per teacher with the median fractions over (variant, dim, estimator).
 */
final class LastLayer implements Part {

    /**
     * Report table: per (variant, dim, estimator, layer restriction), the best decrease (mean, sd
     * over repeats) and its fraction of the best restriction's (ratio of the means; the whole step is
     * one of the restrictions).
     */
    static final Tables.Schema LAST_LAYER = new Tables.Schema("last_layer", new Object[] {"variant", STRING, "dim", LONG, "estimator", STRING,
            "estimator_spec", STRING, "teacher", STRING, "update", STRING, "best_decrease_mean", DOUBLE, "best_decrease_sd", DOUBLE,
            "fraction_of_best", DOUBLE, "repeats", LONG});

    static final String QUESTION = "last-layer";

    /** Bumped whenever what this part says changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 2;
    }

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> keys = c.keys("layer-sweep");
        if (keys.isEmpty()) {
            return;
        }
        // (teacher | variant | dim | estimator label | spec) -> update -> best decreases over repeats
        Map<String, Map<String, List<Double>>> agg = new LinkedHashMap<>();
        // the same per repeat: (id) -> init/batch -> update -> best decrease; a repeat with any restriction's best lr still at an end
        // of the rates swept is left out of the verdict (unresolved)
        Map<String, Map<String, Map<String, Double>>> repeats = new LinkedHashMap<>();
        java.util.Set<String> unresolved = new java.util.HashSet<>();
        for (String k : keys) {
            ColumnTable t = c.table("layer-sweep", k, LayerSweepStage.LAYERS.file());
            for (int r = 0; r < t.rows(); r++) {
                String id = String.join("|", t.string("teacher", r), Cells.variant(t.string("activation", r), t.getLong("rows", r),
                        t.getLong("pretrained", r)), String.valueOf(t.getLong("dim", r)), t.string("estimator", r), t.string("estimator_spec", r));
                agg.computeIfAbsent(id, x -> new LinkedHashMap<>()).computeIfAbsent(t.string("update", r), x -> new ArrayList<>())
                        .add(t.getDouble("best_decrease", r));
                String repeat = Cells.repeat(t.getLong("init", r), t.getLong("batch", r));
                repeats.computeIfAbsent(id, x -> new LinkedHashMap<>()).computeIfAbsent(repeat, x -> new LinkedHashMap<>())
                        .put(t.string("update", r), t.getDouble("best_decrease", r));
                if (t.get("at_edge", r) != null && t.getLong("at_edge", r) == 1) {
                    unresolved.add(id + "|" + repeat);
                }
            }
        }
        Map<String, LastLayerTest> tests = LastLayerTest.of(repeats, unresolved);
        ColumnTable table = LAST_LAYER.empty();
        Map<String, List<Double>> lastFractions = new TreeMap<>();
        Map<String, List<Double>> hiddenFractions = new TreeMap<>();
        Map<String, Integer> skipped = new TreeMap<>();
        Map<String, List<Double>> wholeStep = new TreeMap<>();
        // (teacher, variant, dim) -> estimator -> update -> fraction
        Map<String, Map<String, Map<String, Double>>> panels = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, List<Double>>> e : agg.entrySet()) {
            String[] id = e.getKey().split("\\|", 5);
            // the reference is the best of all restrictions, not the whole step: with one lr for every layer (each tensor normalised
            // to unit norm) the whole step can do far worse than a part, and a near-zero whole step would blow every ratio up
            double all = e.getValue().values().stream().mapToDouble(Cells.Cell::mean).max().orElse(Double.NaN);
            wholeStep.computeIfAbsent(id[0], x -> new ArrayList<>()).add(all > 0 ? Cells.Cell.mean(e.getValue().get("all")) / all : Double.NaN);
            int layers = e.getValue().size() - (e.getValue().containsKey("hidden") ? 2 : 1);
            String last = "layer" + (layers - 1);
            for (Map.Entry<String, List<Double>> u : e.getValue().entrySet()) {
                double m = Cells.Cell.mean(u.getValue());
                double fraction = all > 0 ? m / all : Double.NaN;
                table.add(id[1], Long.parseLong(id[2]), id[3], id[4], id[0], u.getKey(), m, Cells.Cell.sd(u.getValue()),
                        Double.isNaN(fraction) ? null : fraction, (long) u.getValue().size());
                if (all > 0) {
                    panels.computeIfAbsent("teacher=" + id[0] + ", " + id[1] + ", dim=" + id[2], x -> new LinkedHashMap<>())
                            .computeIfAbsent(id[3], x -> new LinkedHashMap<>()).put(u.getKey(), fraction);
                }
            }
            if (all > 0) {
                lastFractions.computeIfAbsent(id[0], x -> new ArrayList<>()).add(Cells.Cell.mean(e.getValue().get(last)) / all);
                if (e.getValue().containsKey("hidden")) {
                    hiddenFractions.computeIfAbsent(id[0], x -> new ArrayList<>()).add(Cells.Cell.mean(e.getValue().get("hidden")) / all);
                }
            } else {
                skipped.merge(id[0], 1, Integer::sum);
            }
        }
        for (String teacher : lastFractions.keySet()) {
            List<Double> lf = lastFractions.get(teacher);
            List<Double> hf = hiddenFractions.getOrDefault(teacher, List.of());
            List<Double> wf = wholeStep.getOrDefault(teacher, List.of()).stream().filter(x -> !Double.isNaN(x)).toList();
            long wholeBehind = wf.stream().filter(x -> x < 0.9).count();
            LastLayerTest test = tests.get(teacher);
            String sentence = String.format(Locale.ROOT, "With the %s teacher, a step on the last layer alone reaches a median %.0f%% of"
                    + " the best decrease any restriction reaches (%.0f%% to %.0f%% over %d estimator x variant x dim cells), the hidden"
                    + " layers without the last one a median %.0f%% (%.0f%% to %.0f%%), the whole step %.0f%%%s. %s%s", teacher,
                    100 * median(lf), 100 * min(lf), 100 * max(lf), lf.size(), 100 * median(hf), 100 * min(hf), 100 * max(hf), 100 * median(wf),
                    wholeBehind == 0 ? "" : String.format(Locale.ROOT, " (in %d of %d cells the whole step is more than 10%% behind a part:"
                            + " one lr for layers normalised to unit norm each is limited by one of them)", wholeBehind, wf.size()),
                    test == null ? "" : test.reading(),
                    skipped.containsKey(teacher) ? String.format(Locale.ROOT, " (%d cells without descent of the whole step left out.)",
                            skipped.get(teacher)) : "");
            Questions.verdict(c, QUESTION, "How much of the decrease is the last layer? (" + teacher + " teacher)", sentence,
                    String.format(Locale.ROOT, "teacher=%s last_layer_fraction=%.3f min=%.3f max=%.3f hidden_fraction=%.3f"
                            + " whole_step_fraction=%.3f cells=%d%s", teacher, median(lf), min(lf), max(lf), median(hf), median(wf), lf.size(),
                            test == null ? "" : test.headline()));
        }
        int n = 0;
        for (Map.Entry<String, Map<String, Map<String, Double>>> panel : panels.entrySet()) {
            CategoryChart chart = Figures.bars("Decrease by layer, " + panel.getKey(), "estimator",
                    "best decrease / best restriction's");
            List<String> estimators = new ArrayList<>(panel.getValue().keySet());
            List<String> updates = new ArrayList<>(panel.getValue().get(estimators.get(0)).keySet());
            for (String u : updates) {
                chart.addSeries(u.equals("all") ? "whole step" : u.equals("hidden") ? "hidden layers" : u + " alone", estimators,
                        estimators.stream().map(est -> Math.max(-1.0, panel.getValue().get(est).getOrDefault(u, Double.NaN))).toList());
            }
            c.figure(Questions.SECTION, chart, "last_layer_" + (n++), "How much of the decrease is the last layer, " + panel.getKey(),
                    "For each estimator, the best loss decrease over the lr grid when its normalised step is restricted to one layer"
                            + " (the others held), to every hidden layer, or whole, divided by the best of these for that estimator"
                            + " (means over repeats; layer" + (updates.size() - 3) + " is the output layer; below 0: no lr of the grid"
                            + " lowers the loss, drawn down to -1 at most).");
        }
        c.table(Questions.SECTION, "Decrease by layer: best decrease per layer restriction and its fraction of the best restriction's", table);
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = v.stream().sorted().toList();
        int m = s.size() / 2;
        return s.size() % 2 == 1 ? s.get(m) : (s.get(m - 1) + s.get(m)) / 2;
    }

    private static double min(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
