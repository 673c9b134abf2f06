package bitgrad.pipelines.report;

import bitgrad.models.stats.PairedTest;
import bitgrad.schemas.ColumnTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Two runs' estimator cells side by side, with the test the findings use: for a cell (variant,
 * width, estimator) both runs measured, the held-out decreases of the same repeats (the same init
 * and batch: runs of one seed share models and batches) paired, averaged within each init, and a
 * paired t across inits, Holm-corrected over the cells compared. A difference is "beyond noise"
 * when that adjusted p is below 0.05; with fewer than two shared inits nothing is tested.
 */
public final class RunDifference {

    private RunDifference() {
    }

    /**
     * One line per cell both summaries hold ({@code paired ... beyond_noise=yes|no|untested}),
     * those whose decreases are identical in both runs only when {@code all}; and the number of
     * identical cells left out.
     */
    public static List<String> lines(ColumnTable a, ColumnTable b, boolean all) {
        Map<String, Map<String, Double>> ca = byRepeat(a);
        Map<String, Map<String, Double>> cb = byRepeat(b);
        List<String> out = new ArrayList<>();
        List<PairedTest> tests = new ArrayList<>();
        List<String> heads = new ArrayList<>();
        int identical = 0;
        for (Map.Entry<String, Map<String, Double>> e : ca.entrySet()) {
            Map<String, Double> rb = cb.get(e.getKey());
            if (rb == null) {
                continue; // one run's only: compare prints its numbers already
            }
            Map<String, List<Double>> byInit = new LinkedHashMap<>();
            double sumA = 0;
            double sumB = 0;
            int n = 0;
            boolean same = true;
            for (Map.Entry<String, Double> r : e.getValue().entrySet()) {
                Double y = rb.get(r.getKey());
                if (y == null) {
                    continue;
                }
                byInit.computeIfAbsent(Cells.initOf(r.getKey()), i -> new ArrayList<>()).add(y - r.getValue());
                sumA += r.getValue();
                sumB += y;
                n++;
                same &= y.equals(r.getValue());
            }
            if (n == 0) {
                continue;
            }
            if (same && !all) {
                identical++;
                continue;
            }
            PairedTest t = PairedTest.of(byInit.values().stream().mapToDouble(Cells.Cell::mean).toArray());
            tests.add(t);
            heads.add(String.format(Locale.ROOT, "paired %s heldout_decrease=%.6g->%.6g repeats=%d inits=%d", e.getKey(), sumA / n, sumB / n,
                    n, t.n()));
        }
        // one family: Holm over every tested cell, as the findings correct over their claims
        double[] holm = bitgrad.models.stats.Corrections.holmTestable(tests);
        for (int i = 0; i < tests.size(); i++) {
            PairedTest t = tests.get(i);
            out.add(heads.get(i) + " " + (t.n() < 2 ? "beyond_noise=untested (one shared init: raise num_init)"
                    : String.format(Locale.ROOT, "diff=%.4g ci=%.4g..%.4g p_holm=%.3g beyond_noise=%s", t.mean(), t.low(), t.high(), holm[i],
                            holm[i] < PairedTest.ALPHA ? "yes" : "no")));
        }
        if (identical > 0) {
            out.add(String.format(Locale.ROOT, "paired_identical=%d (cells with the same held-out decreases in both runs; --all lists them)",
                    identical));
        }
        return out;
    }

    /** {@code variant=... dim=... estimator=...} to repeat ({@code init/batch}) to held-out decrease. */
    private static Map<String, Map<String, Double>> byRepeat(ColumnTable s) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (int r = 0; r < s.rows(); r++) {
            String cell = "variant=" + Cells.variant(s.string("activation", r), s.getLong("rows", r), s.getLong("pretrained", r))
                    .replace(' ', '_') + " dim=" + s.getLong("dim", r) + " estimator=" + s.string("estimator", r);
            out.computeIfAbsent(cell, c -> new LinkedHashMap<>()).put(Cells.repeat(s.getLong("init", r), s.getLong("batch", r)),
                    s.getDouble("heldout_decrease", r));
        }
        return out;
    }
}
