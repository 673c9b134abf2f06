package bitgrad.pipelines.report;

import bitgrad.models.stats.Corrections;
import bitgrad.models.stats.PairedTest;
import bitgrad.schemas.ColumnTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The variance explanation of "why does NES stop pointing downhill after pretraining", read
 * against what any smooth loss gives: NES's measured signal-to-noise ratio divided by
 * {@code sqrt(N/(d+1))} (the {@code snr_smooth} column), at the largest sample count, per
 * (variant, dim) and raw or pretrained. The unit is the init (batches averaged within it); each
 * ratio is tested against 1 (t over inits, 95 % interval; the pretrained tests Holm-corrected
 * over the dims), and the pretrained ratio against the same init's raw one (paired by init, Holm
 * over the dims). Variance explains the failure at a dim only where the pretrained ratio lies
 * clearly below 1 and clearly below the raw one: the drop is pretraining's, not there before.
 *
 * @param samples the sample count read (the largest of the run)
 * @param cells one entry per (variant, dim)
 */
record NesSnrEvidence(long samples, List<Cell> cells) {

    /**
     * One (variant, dim): the ratio's test against 1 for raw and pretrained models (null where that
     * kind was not measured); {@code adjusted} is the pretrained test's Holm-adjusted p (NaN where it could not be made).
     */
    record Cell(String variant, long dim, long weights, PairedTest raw, PairedTest pretrained, double adjusted, PairedTest drop,
            double dropAdjusted) {

        /** The pretrained ratio lies below 1 beyond chance (Holm over the dims). */
        boolean pretrainedBelow() {
            return pretrained != null && pretrained.n() >= 2 && pretrained.mean() < 0 && adjusted < PairedTest.ALPHA;
        }

        /** The raw ratio lies below 1 beyond chance (uncorrected: the stricter reading for "and not before"). */
        boolean rawBelow() {
            return raw != null && raw.n() >= 2 && raw.mean() < 0 && raw.p() < PairedTest.ALPHA;
        }

        /**
         * Variance explains the pretrained failure here: the pretrained ratio clearly below the smooth-loss one, and clearly
         * below the raw ratio of the same init (pretraining made it fall: it was not so before).
         */
        boolean explains() {
            return pretrainedBelow() && drop != null && drop.n() >= 2 && drop.mean() < 0 && dropAdjusted < PairedTest.ALPHA;
        }

        /** Decidable: at least 2 inits of both kinds. */
        boolean decided() {
            return raw != null && pretrained != null && raw.n() >= 2 && pretrained.n() >= 2;
        }

        String describe() {
            return String.format(Locale.ROOT, "%s dim=%d (d=%d weights): %s raw, %s pretrained%s", variant, dim, weights, ratio(raw),
                    ratio(pretrained), drop == null || drop.n() < 2 ? "" : String.format(Locale.ROOT, ", pretrained minus raw per init"
                            + " %+.2f (95%% interval %+.2f to %+.2f, Holm-adjusted p=%.2g)", drop.mean(), drop.low(), drop.high(),
                            dropAdjusted));
        }

        private static String ratio(PairedTest t) {
            if (t == null) {
                return "not measured";
            }
            if (t.n() < 2) {
                return String.format(Locale.ROOT, "%.2f (1 init)", 1 + t.mean());
            }
            return String.format(Locale.ROOT, "%.2f (95%% interval %.2f to %.2f, %d inits)", 1 + t.mean(), 1 + t.low(), 1 + t.high(), t.n());
        }
    }

    /** The evidence of the run's {@code nes-snr} tables (null when none holds a smooth-loss expectation). */
    static NesSnrEvidence of(List<ColumnTable> tables) {
        long maxN = 0;
        for (ColumnTable t : tables) {
            for (int r = 0; r < t.rows(); r++) {
                maxN = Math.max(maxN, t.getLong("samples", r));
            }
        }
        // (variant without the raw/pretrained word | dim) -> pretrained -> init -> ratios over batches
        Map<String, Map<Boolean, Map<Long, List<Double>>>> ratios = new TreeMap<>();
        Map<String, Long> weights = new LinkedHashMap<>();
        for (ColumnTable t : tables) {
            for (int r = 0; r < t.rows(); r++) {
                Object expected = t.get("snr_smooth", r);
                double snr = t.getDouble("snr", r);
                if (t.getLong("samples", r) != maxN || expected == null || Double.isNaN(snr)) {
                    continue;
                }
                String key = String.format(Locale.ROOT, "activation=%s batch=%d|%05d", t.string("activation", r), t.getLong("rows", r),
                        t.getLong("dim", r));
                weights.put(key, t.getLong("weights", r));
                ratios.computeIfAbsent(key, k -> new TreeMap<>()).computeIfAbsent(t.getLong("pretrained", r) == 1, k -> new TreeMap<>())
                        .computeIfAbsent(t.getLong("init", r), k -> new ArrayList<>()).add(snr / (Double) expected - 1);
            }
        }
        if (ratios.isEmpty()) {
            return null;
        }
        List<String> keys = new ArrayList<>(ratios.keySet());
        List<PairedTest> raw = new ArrayList<>();
        List<PairedTest> pre = new ArrayList<>();
        List<PairedTest> drop = new ArrayList<>();
        for (String k : keys) {
            raw.add(test(ratios.get(k).get(false)));
            pre.add(test(ratios.get(k).get(true)));
            drop.add(drop(ratios.get(k).get(false), ratios.get(k).get(true)));
        }
        // Holm over the tests that can be made (as every verdict does): an untestable dim is no member of the family
        double[] adjusted = Corrections.holmTestable(pre);
        double[] dropAdjusted = Corrections.holmTestable(drop);
        List<Cell> cells = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            String[] id = keys.get(i).split("\\|");
            cells.add(new Cell(id[0], Long.parseLong(id[1]), weights.get(keys.get(i)), raw.get(i), pre.get(i), adjusted[i], drop.get(i),
                    dropAdjusted[i]));
        }
        return new NesSnrEvidence(maxN, cells);
    }

    /** The test of (ratio - 1) over inits, each init's batches averaged (null without values). */
    private static PairedTest test(Map<Long, List<Double>> byInit) {
        if (byInit == null || byInit.isEmpty()) {
            return null;
        }
        return PairedTest.of(byInit.values().stream().mapToDouble(Cells.Cell::mean).toArray());
    }

    /** Per init with both kinds: the pretrained ratio minus the raw one (each init's batches averaged); null without a pair. */
    private static PairedTest drop(Map<Long, List<Double>> raw, Map<Long, List<Double>> pre) {
        if (raw == null || pre == null) {
            return null;
        }
        double[] d = pre.keySet().stream().filter(raw::containsKey)
                .mapToDouble(i -> Cells.Cell.mean(pre.get(i)) - Cells.Cell.mean(raw.get(i))).toArray();
        return d.length == 0 ? null : PairedTest.of(d);
    }

    /** True when variance explains the failure at some (variant, dim). */
    boolean supported() {
        return cells.stream().anyMatch(Cell::explains);
    }

    /** The dims where it does. */
    List<Long> explainedDims() {
        return cells.stream().filter(Cell::explains).map(Cell::dim).distinct().toList();
    }

    /** True when no (variant, dim) has two inits of both kinds to test. */
    boolean undecided() {
        return cells.stream().noneMatch(Cell::decided);
    }

    /** The mean ratio to the smooth-loss expectation over the cells of one kind (NaN without any). */
    double meanRatio(boolean pretrained) {
        return cells.stream().map(c -> pretrained ? c.pretrained() : c.raw()).filter(t -> t != null)
                .mapToDouble(t -> 1 + t.mean()).average().orElse(Double.NaN);
    }

    /** The fewest inits behind a pretrained ratio (0 without any). */
    int inits() {
        return cells.stream().filter(c -> c.pretrained() != null).mapToInt(c -> c.pretrained().n()).min().orElse(0);
    }

    /** The smallest Holm-adjusted p of the pretrained ratios ("none" where nothing could be tested). */
    String p() {
        return cells.stream().filter(c -> c.pretrained() != null && c.pretrained().n() >= 2).mapToDouble(Cell::adjusted).min()
                .stream().mapToObj(x -> String.format(Locale.ROOT, "%.3g", x)).findFirst().orElse("none");
    }

    /** The verdict's sentence on variance. */
    String sentence() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "Variance: at N=%d, NES's signal-to-noise ratio over independent"
                + " seeds relative to sqrt(N/(d+1)), what any smooth loss gives: ", samples));
        s.append(String.join("; ", cells.stream().map(Cell::describe).toList()));
        if (undecided()) {
            s.append(". Not decided: fewer than 2 inits of raw and pretrained models at every dim (the init is the unit; raise num_init).");
        } else if (supported()) {
            s.append(String.format(Locale.ROOT, ". Supported at dim %s: after pretraining below the smooth-loss ratio and below the"
                    + " same init's raw ratio (t over inits, Holm over dims).", explainedDims()));
        } else {
            double detect = cells.stream().filter(c -> c.drop() != null && c.drop().n() >= 2).mapToDouble(c -> c.drop().detectable())
                    .max().orElse(Double.NaN);
            s.append(String.format(Locale.ROOT, ". Not supported: at no dim does the ratio fall clearly below both the smooth-loss"
                    + " expectation and the raw model's ratio after pretraining (a signal-to-noise ratio below 1 at these dims is what"
                    + " NES gives on any smooth loss, so it alone explains nothing); the design detects a drop of %.2g with 80%% power.",
                    detect));
        }
        return s.toString();
    }
}
