package bitgrad.pipelines.report;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.stats.PairedTest;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.SummaryStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The summary's best decreases grouped by (variant, dim, estimator), with their repeats: what most figures and tables show. */
final class Cells {

    /**
     * One (variant, dim, estimator) with every repeat's best decrease and lr; the variant is
     * (activation, rows, pretrained). {@code repeats} names each repeat as {@code init/batch}, in the
     * order of {@code best}, {@code heldout}, {@code relative}, {@code edge} (the best lr still at an
     * end of the rates swept: unresolved) and {@code lrLow .. lrHigh} (the rates swept: the grid,
     * extended where the best rate sat at an end).
     */
    record Cell(String variant, String activation, long pretrained, long dim, String estimator, Estimator spec, List<Double> best,
            List<Double> lr, double flops, long rows, List<Double> heldout, Double perturbationNorm, List<Double> relative,
            List<String> repeats, List<Boolean> edge, List<Double> lrLow, List<Double> lrHigh) {

        /** Mean over repeats of best decrease / base loss. */
        double relativeMean() {
            return mean(relative);
        }

        double relativeSd() {
            return sd(relative);
        }

        double mean() {
            return mean(best);
        }

        double sd() {
            return sd(best);
        }

        /** Mean over repeats of the held-out decrease at each repeat's best lr. */
        double heldoutMean() {
            return mean(heldout);
        }

        double heldoutSd() {
            return sd(heldout);
        }

        static double mean(List<Double> v) {
            return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /** The sample standard deviation (0 for one value). */
        static double sd(List<Double> v) {
            double m = mean(v);
            return Math.sqrt(v.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / Math.max(1, v.size() - 1));
        }

        double meanLr() {
            return lr.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        /**
         * The repeats this cell shares with {@code other} (the same model and batch), as index pairs
         * {@code {i in this, j in other}}, in this cell's order: what every paired comparison pairs.
         */
        /**
         * This cell's held-out decrease minus {@code other}'s, paired by repeat, averaged within
         * each init (the unit), tested across inits: what every claim of one cell over another rests on.
         */
        PairedTest heldoutAgainst(Cell other) {
            Map<String, List<Double>> byInit = new LinkedHashMap<>();
            for (int[] ij : pairedWith(other)) {
                byInit.computeIfAbsent(init(ij[0]), x -> new ArrayList<>()).add(heldout.get(ij[0]) - other.heldout.get(ij[1]));
            }
            return PairedTest.of(byInit.values().stream().mapToDouble(Cell::mean).toArray());
        }

        List<int[]> pairedWith(Cell other) {
            List<int[]> out = new ArrayList<>();
            for (int i = 0; i < repeats.size(); i++) {
                int j = other.repeats.indexOf(repeats.get(i));
                if (j >= 0) {
                    out.add(new int[] {i, j});
                }
            }
            return out;
        }

        /** The init of repeat {@code i}: the unit of replication. */
        String init(int i) {
            return initOf(repeats.get(i));
        }

        /** Repeats whose best lr still sits at an end of the rates swept (the extension reached its limit). */
        long atEdge() {
            return edge.stream().filter(Boolean::booleanValue).count();
        }

        /** The lowest rate any repeat swept. */
        double sweptLow() {
            return lrLow.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        }

        /** The highest rate any repeat swept. */
        double sweptHigh() {
            return lrHigh.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        }

        /** Repeats in which no learning rate of the grid lowered the loss. */
        int noDescent() {
            return best.size() - lr.size();
        }
    }

    private Cells() {
    }

    /** The name of a repeat, {@code init/batch}: repeats with the same name share model and batch. */
    static String repeat(long init, long batch) {
        return init + "/" + batch;
    }

    /** The init of a repeat named by {@link #repeat}. */
    static String initOf(String repeat) {
        return repeat.substring(0, repeat.indexOf('/'));
    }

    /** {@code activation=sign batch=4096 pretrained}: what separates the figures of one run. */
    static String variant(String activation, long rows, long pretrained) {
        return "activation=" + activation + " batch=" + rows + (pretrained == 1 ? " pretrained" : " raw");
    }

    /** The cells of the run's summary (empty without one). */
    static List<Cell> of(ReportContext c) throws IOException {
        String key = c.summaryKey();
        if (key == null) {
            return List.of();
        }
        ColumnTable s = c.table("summary", key, SummaryStage.SUMMARY.file());
        Map<String, Cell> agg = new LinkedHashMap<>();
        for (int r = 0; r < s.rows(); r++) {
            String v = variant(s.string("activation", r), s.getLong("rows", r), s.getLong("pretrained", r));
            String k = v + "|" + s.getLong("dim", r) + "|" + s.string("estimator_spec", r);
            final int row = r;
            Cell cell = agg.computeIfAbsent(k, x -> new Cell(v, s.string("activation", row), s.getLong("pretrained", row),
                    s.getLong("dim", row), s.string("estimator", row),
                    Estimators.decode(s.string("estimator_spec", row)), new ArrayList<>(), new ArrayList<>(),
                    s.getDouble("nominal_flops", row), s.getLong("rows", row), new ArrayList<>(),
                    s.get("perturbation_norm", row) == null ? null : s.getDouble("perturbation_norm", row), new ArrayList<>(),
                    new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>()));
            cell.repeats().add(repeat(s.getLong("init", r), s.getLong("batch", r)));
            cell.best().add(s.getDouble("best_decrease", r));
            cell.heldout().add(s.getDouble("heldout_decrease", r));
            cell.relative().add(s.getDouble("best_decrease", r) / s.getDouble("base_loss", r));
            cell.edge().add(s.getLong("at_edge", r) == 1);
            cell.lrLow().add(s.getDouble("lr_low", r));
            cell.lrHigh().add(s.getDouble("lr_high", r));
            if (s.get("best_lr", r) != null) {
                cell.lr().add(s.getDouble("best_lr", r)); // repeats without descent have no best lr
            }
        }
        return new ArrayList<>(agg.values());
    }

    /** The run's cosine table (null without a summary). */
    static ColumnTable cosines(ReportContext c) throws IOException {
        String key = c.summaryKey();
        return key == null ? null : c.table("summary", key, SummaryStage.COSINE.file());
    }

    /** The estimator of a spec column's row. */
    static Estimator spec(ColumnTable t, String column, int row) {
        return Estimators.decode(t.string(column, row));
    }
}
