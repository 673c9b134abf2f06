package bitgrad.pipelines.report;

import bitgrad.models.stats.Corrections;
import bitgrad.models.stats.PairedTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The test behind the last-layer verdict, per teacher: in every repeat, the best decrease of the
 * step restricted to the last layer and to the hidden layers, each as a fraction of the best of
 * all restrictions; each init's fractions averaged over its batches, variants, dims and
 * estimators (the init is the unit); each mean fraction tested against one half (t over inits,
 * 95 % interval), Holm over the two. "Most of the decrease is the last layer's" needs the last
 * layer's fraction above one half and the hidden layers' below it, both beyond chance.
 *
 * @param last the last layer's fraction minus 0.5, over inits
 * @param hidden the hidden layers' fraction minus 0.5 (null without a hidden restriction)
 * @param adjusted Holm-adjusted p of {@code last} and {@code hidden}
 * @param left repeats left out (a best lr still at an end of the rates swept, or no descent at all)
 */
record LastLayerTest(PairedTest last, PairedTest hidden, double[] adjusted, int left) {

    /**
     * The tests of every teacher.
     *
     * @param repeats per (teacher | variant | dim | estimator | spec): per {@code init/batch}: per restriction, its best decrease
     * @param unresolved {@code id|init/batch} of repeats whose sweep left a best lr at an end
     */
    static Map<String, LastLayerTest> of(Map<String, Map<String, Map<String, Double>>> repeats, java.util.Set<String> unresolved) {
        // teacher -> init -> [last sum, hidden sum, count, hidden count]
        Map<String, Map<String, double[]>> units = new TreeMap<>();
        Map<String, Integer> left = new TreeMap<>();
        repeats.forEach((id, byRepeat) -> {
            String teacher = id.substring(0, id.indexOf('|'));
            byRepeat.forEach((repeat, updates) -> {
                double all = updates.values().stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
                if (!(all > 0) || unresolved.contains(id + "|" + repeat)) {
                    left.merge(teacher, 1, Integer::sum);
                    return;
                }
                int layers = (int) updates.keySet().stream().filter(u -> u.startsWith("layer")).count();
                double[] u = units.computeIfAbsent(teacher, t -> new TreeMap<>()).computeIfAbsent(Cells.initOf(repeat), i -> new double[4]);
                u[0] += updates.getOrDefault("layer" + (layers - 1), Double.NaN) / all;
                u[2]++;
                if (updates.containsKey("hidden")) {
                    u[1] += updates.get("hidden") / all;
                    u[3]++;
                }
            });
        });
        Map<String, LastLayerTest> out = new LinkedHashMap<>();
        units.forEach((teacher, inits) -> {
            PairedTest last = PairedTest.of(inits.values().stream().mapToDouble(u -> u[0] / u[2] - 0.5).toArray());
            List<double[]> withHidden = inits.values().stream().filter(u -> u[3] > 0).toList();
            PairedTest hidden = withHidden.isEmpty() ? null : PairedTest.of(withHidden.stream().mapToDouble(u -> u[1] / u[3] - 0.5).toArray());
            double[] adjusted = Corrections.holm(hidden == null ? new double[] {last.p()} : new double[] {last.p(), hidden.p()});
            out.put(teacher, new LastLayerTest(last, hidden, adjusted, left.getOrDefault(teacher, 0)));
        });
        return out;
    }

    private boolean above(PairedTest t, double p) {
        return t.n() >= 2 && t.mean() > 0 && p < PairedTest.ALPHA;
    }

    private boolean below(PairedTest t, double p) {
        return t.n() >= 2 && t.mean() < 0 && p < PairedTest.ALPHA;
    }

    /** What the fractions mean for a comparison of estimators, as far as the inits decide it. */
    String reading() {
        String numbers = String.format(Locale.ROOT, " (per init: the last layer's fraction %s, the hidden layers' %s; t over %d inits,"
                + " Holm over the two%s)", describe(last, adjusted[0]), hidden == null ? "not measured" : describe(hidden, adjusted[1]),
                last.n(), left == 0 ? "" : String.format(Locale.ROOT, "; %d repeats left out: a best lr still at an end of the rates swept,"
                        + " or no descent", left));
        if (last.n() < 2) {
            return "Not decided: one init, so no spread to test the fractions with (the init is the unit; raise num_init)." + numbers;
        }
        boolean lastAbove = above(last, adjusted[0]);
        boolean hiddenBelow = hidden != null && below(hidden, adjusted[1]);
        boolean hiddenAbove = hidden != null && above(hidden, adjusted[1]);
        if (lastAbove && hiddenBelow) {
            return "Most of the decrease is the last layer's: a comparison of estimators here mostly compares their last-layer"
                    + " gradients, where all of them see the same linear map; rerun with --set model.teacher=same or"
                    + " variance-preserving for a task where the hidden layers matter." + numbers;
        }
        if (hiddenAbove && below(last, adjusted[0])) {
            return "The hidden layers carry most of the decrease: the comparison of estimators rests on them." + numbers;
        }
        if (lastAbove && hiddenAbove) {
            return "Either part alone gives more than half of the best decrease: the layers' contributions overlap." + numbers;
        }
        return String.format(Locale.ROOT, "Which part carries most of the decrease is not decided; this design detects a fraction %.2g"
                + " away from one half with 80%% power.", last.detectable()) + numbers;
    }

    private static String describe(PairedTest t, double adjusted) {
        return t.n() < 2 ? String.format(Locale.ROOT, "%.2f (1 init)", 0.5 + t.mean())
                : String.format(Locale.ROOT, "%.2f (95%% interval %.2f to %.2f, Holm-adjusted p=%.2g against 0.5)", 0.5 + t.mean(),
                        0.5 + t.low(), 0.5 + t.high(), adjusted);
    }

    /** The headline's extra fields. */
    String headline() {
        return String.format(Locale.ROOT, " inits=%d last_layer_unit_mean=%.3f p=%s left_out=%d", last.n(), 0.5 + last.mean(),
                last.n() < 2 ? "none" : String.format(Locale.ROOT, "%.3g", adjusted[0]), left);
    }
}
