package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.stats.Corrections;
import bitgrad.models.stats.PairedTest;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;

/**
 * Where sr-STE's gain comes from: the forward x backward factorial. Per (variant, dim, tau, k):
 * STE (deterministic forward, STE-like backward), the stochastic forward alone, the relaxed
 * backward alone, and both (sr-STE with the relaxed backward); each cell's best decrease and its
 * gain over STE paired over repeats (same model and batch), and how far the rounding
 * probabilities are from a coin flip per hidden layer (the whole-batch max/min scaling pushes
 * them towards 0.5 as the batch grows).
 */
final class SrSteGain implements Part {

    /**
     * Report table: the sr-STE forward x backward factorial per (variant, dim, tau, k): each cell's
     * best decrease and its paired gain over STE (mean and standard error over repeats), and the
     * mean |p - 0.5| of the rounding probabilities per hidden layer (comma-separated, first layer first).
     */
    static final Tables.Schema SR_STE_FACTORIAL = new Tables.Schema("sr_ste_factorial", new Object[] {"variant", STRING, "rows", LONG, "pretrained", LONG,
            "dim", LONG, "tau", DOUBLE, "k", LONG, "forward", STRING, "backward", STRING, "best_decrease_mean", DOUBLE,
            "best_decrease_sd", DOUBLE, "gain_over_ste_mean", DOUBLE, "gain_over_ste_se", DOUBLE, "repeats", LONG, "p_offset", STRING});

    /** Bumped whenever what this answer says changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 3;
    }

    static final String QUESTION = "sr-ste-gain";

    /** The factorial's cells in display order: forward, backward. */
    private static final String[][] CELLS = {{"deterministic", "quantizer"}, {"stochastic", "quantizer"}, {"deterministic", "relaxed"},
        {"stochastic", "relaxed"}};

    private static final String[] NAMES = {"STE (neither)", "stochastic forward", "relaxed backward", "both"};

    @Override
    public void render(ReportContext c) throws IOException {
        // (variant, dim, tau, k) -> the four cells (index as CELLS); STE is shared by every (tau, k)
        Map<String, Cells.Cell[]> groups = new LinkedHashMap<>();
        Map<String, Cells.Cell> ste = new LinkedHashMap<>();
        for (Cells.Cell cell : c.cells()) {
            String at = cell.variant() + ", dim=" + cell.dim();
            if (cell.spec() instanceof SteEstimator) {
                ste.put(at, cell);
            }
        }
        for (Cells.Cell cell : c.cells()) {
            if (cell.spec() instanceof SrSteEstimator sr) {
                String at = cell.variant() + ", dim=" + cell.dim();
                Cells.Cell[] four = groups.computeIfAbsent(at + ", tau=" + sr.tau() + ", k=" + sr.samples(), x -> new Cells.Cell[4]);
                four[index(sr)] = cell;
                four[0] = ste.get(at);
            }
        }
        groups.values().removeIf(four -> java.util.Arrays.stream(four).anyMatch(x -> x == null));
        if (groups.isEmpty()) {
            return;
        }
        Map<String, double[]> offsets = pOffsets(c);
        ColumnTable t = SR_STE_FACTORIAL.empty();
        // (raw|pretrained) -> cell 1..3 -> init -> gains relative to STE over every setting and batch of that init: settings
        // identical by construction (tau under the STE-like backward) are averaged with the rest, never counted as more inits
        Map<String, List<Map<String, List<Double>>>> gains = new TreeMap<>();
        // (raw|pretrained) -> cell 1..3 -> rows -> init -> gains (the per-batch-size description)
        Map<String, List<Map<Long, Map<String, List<Double>>>>> byRows = new TreeMap<>();
        Map<String, Map<String, double[]>> chartData = new TreeMap<>();
        for (Cells.Cell[] four : groups.values()) {
            SrSteEstimator any = (SrSteEstimator) four[1].spec();
            double steMean = four[0].mean();
            String model = four[0].pretrained() == 1 ? "pretrained" : "raw";
            for (int i = 0; i < 4; i++) {
                Cells.Cell x = four[i];
                Questions.Paired gain = Questions.Paired.of(x.best(), four[0].best());
                double[] off = i == 0 ? null : offsets.get(key(x));
                t.add(x.variant(), x.rows(), x.pretrained(), x.dim(), any.tau(), (long) any.samples(), CELLS[i][0], CELLS[i][1], x.mean(),
                        x.sd(), i == 0 ? 0.0 : gain.mean(), i == 0 ? 0.0 : gain.se(), (long) x.best().size(), off == null ? ""
                                : java.util.Arrays.stream(off).mapToObj(v -> String.format(Locale.ROOT, "%.4f", v))
                                        .collect(java.util.stream.Collectors.joining(",")));
                if (steMean <= 0) {
                    continue; // STE does not descend: no scale to compare gains with
                }
                Questions.Paired rel = gain.scaled(steMean);
                if (i > 0) {
                    List<Map<String, List<Double>>> cells = gains.computeIfAbsent(model, m -> new ArrayList<>(List.of(
                            new TreeMap<>(), new TreeMap<>(), new TreeMap<>())));
                    List<Map<Long, Map<String, List<Double>>>> rowsOf = byRows.computeIfAbsent(model, m -> new ArrayList<>(List.of(
                            new TreeMap<>(), new TreeMap<>(), new TreeMap<>())));
                    for (int[] ij : x.pairedWith(four[0])) {
                        String init = x.init(ij[0]);
                        double g = (x.best().get(ij[0]) - four[0].best().get(ij[1])) / steMean;
                        cells.get(i - 1).computeIfAbsent(init, q -> new ArrayList<>()).add(g);
                        rowsOf.get(i - 1).computeIfAbsent(x.rows(), q -> new TreeMap<>()).computeIfAbsent(init, q -> new ArrayList<>()).add(g);
                    }
                }
                // bars: 1 + the paired gain relative to STE's mean decrease, error bars its standard error
                String panel = "dim=" + x.dim() + ", tau=" + any.tau() + ", k=" + any.samples();
                String category = x.rows() + (x.pretrained() == 1 ? " pretrained" : " raw");
                double[] bar = chartData.computeIfAbsent(panel, p -> new TreeMap<>(SrSteGain::byRows))
                        .computeIfAbsent(category, q -> new double[8]);
                bar[i] = 1 + (i == 0 ? 0 : rel.mean());
                bar[4 + i] = i == 0 || Double.isNaN(rel.se()) ? 0 : rel.se();
            }
        }
        for (Map.Entry<String, List<Map<String, List<Double>>>> m : gains.entrySet()) {
            // one unit per init: its gains averaged over settings and batches; Holm over the verdict's three tests
            PairedTest[] tests = new PairedTest[3];
            for (int i = 0; i < 3; i++) {
                tests[i] = PairedTest.of(m.getValue().get(i).values().stream().mapToDouble(Cells.Cell::mean).toArray());
            }
            double[] adjusted = Corrections.holm(java.util.Arrays.stream(tests).mapToDouble(PairedTest::p).toArray());
            StringBuilder perBatch = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                List<String> rows = new ArrayList<>();
                byRows.get(m.getKey()).get(i).forEach((r, inits) -> rows.add(String.format(Locale.ROOT, "%+.1f%% at batch %d", 100
                        * inits.values().stream().mapToDouble(Cells.Cell::mean).average().orElse(Double.NaN), r)));
                perBatch.append(i == 0 ? "the stochastic forward alone " : i == 1 ? "; the relaxed backward alone " : "; both together ")
                        .append(describe(tests[i], adjusted[i])).append(" (").append(String.join(", ", rows)).append(")");
            }
            String[] source = source(tests, adjusted);
            String sentence = String.format(Locale.ROOT, "On %s models, the best decrease of each cell against STE's on the same models"
                    + " and batches, relative to STE's mean, averaged over every setting and batch of an init (the unit), t over inits,"
                    + " Holm over the three cells: %s. Source of the gain: %s, %s.", m.getKey(), perBatch, source[0], source[1]);
            Questions.verdict(c, QUESTION, "Where does sr-STE's gain come from: forward noise or the backward? (" + m.getKey() + " models)",
                    sentence, String.format(Locale.ROOT, "model=%s source=%s forward_gain=%.4g forward_p=%s backward_gain=%.4g"
                            + " backward_p=%s both_gain=%.4g both_p=%s inits=%d p=%s", m.getKey(), source[0].replace(' ', '-'),
                            tests[0].mean(), p(tests[0], adjusted[0]), tests[1].mean(), p(tests[1], adjusted[1]), tests[2].mean(),
                            p(tests[2], adjusted[2]), Math.min(tests[0].n(), Math.min(tests[1].n(), tests[2].n())),
                            p(tests[0].n() <= tests[1].n() ? tests[0] : tests[1], Math.min(adjusted[0], adjusted[1]))));
        }
        int n = 0;
        for (Map.Entry<String, Map<String, double[]>> panel : chartData.entrySet()) {
            CategoryChart chart = Figures.bars("sr-STE factorial: best decrease relative to STE, " + panel.getKey(),
                    "batch rows, model", "best decrease / STE's (paired)");
            List<String> cats = new ArrayList<>(panel.getValue().keySet());
            for (int i = 0; i < 4; i++) {
                final int cell = i;
                List<Double> y = cats.stream().map(k -> panel.getValue().get(k)[cell]).toList();
                List<Double> e = cats.stream().map(k -> panel.getValue().get(k)[4 + cell]).toList();
                chart.addSeries(NAMES[i], cats, y, e);
            }
            chart.getStyler().setErrorBarsColorSeriesColor(true);
            c.figure(Questions.SECTION, chart, "sr_ste_factorial_" + (n++), "Where sr-STE's gain comes from, " + panel.getKey(),
                    "Best loss decrease over the lr grid (measured with the deterministic sign) of each cell of the forward x backward"
                            + " factorial relative to STE's: 1 + the mean over repeats of (cell - STE) on the same model and batch, divided"
                            + " by STE's mean (STE = 1); error bars one standard error of that paired difference. The stochastic forward"
                            + " alone keeps the STE-like backward; the relaxed backward alone keeps the deterministic forward.");
        }
        c.table(Questions.SECTION, "sr-STE factorial: best decrease per cell and paired gain over STE (mean ± se over repeats);"
                + " p_offset = mean |p - 0.5| per hidden layer", t);
    }

    /** The verdict's answer from the forward (0), backward (1) and both (2) tests: a short name and the reason. */
    private static String[] source(PairedTest[] t, double[] adjusted) {
        int n = Math.min(t[0].n(), t[1].n());
        if (n < 2) {
            return new String[] {"not decided", "one init: no spread to test with (the init is the unit; raise num_init)"};
        }
        boolean f = adjusted[0] < PairedTest.ALPHA && t[0].mean() > 0;
        boolean b = adjusted[1] < PairedTest.ALPHA && t[1].mean() > 0;
        boolean fLoses = adjusted[0] < PairedTest.ALPHA && t[0].mean() < 0;
        boolean bLoses = adjusted[1] < PairedTest.ALPHA && t[1].mean() < 0;
        String both = adjusted[2] < PairedTest.ALPHA ? String.format(Locale.ROOT, "; both together %s STE", t[2].mean() > 0 ? "beat"
                : "fall behind") : "; both together do not differ from STE beyond chance";
        if (f && b) {
            return new String[] {"both", "each alone gains over STE beyond chance" + both};
        }
        if (f) {
            return new String[] {"forward noise", "only the stochastic forward gains beyond chance" + both};
        }
        if (b) {
            return new String[] {"the backward", "only the relaxed backward gains beyond chance" + both};
        }
        if (fLoses && bLoses) {
            return new String[] {"neither", "each alone costs decrease against STE beyond chance" + both};
        }
        return new String[] {"not decided", String.format(Locale.ROOT, "neither gain differs from STE beyond chance; this design detects"
                + " relative gains of %.2g (forward) and %.2g (backward) with 80%% power: more inits decide smaller ones%s",
                t[0].detectable(), t[1].detectable(), both)};
    }

    private static String describe(PairedTest t, double adjusted) {
        if (t.n() < 2) {
            return String.format(Locale.ROOT, "%+.1f%% (1 init)", 100 * t.mean());
        }
        return String.format(Locale.ROOT, "%+.1f%% (95%% interval %+.1f%% to %+.1f%%, %d inits, Holm-adjusted p=%.2g)", 100 * t.mean(),
                100 * t.low(), 100 * t.high(), t.n(), adjusted);
    }

    private static String p(PairedTest t, double adjusted) {
        return t.n() < 2 ? "none" : String.format(Locale.ROOT, "%.3g", adjusted);
    }

    private static int index(SrSteEstimator sr) {
        boolean relaxed = sr.backward() == StochasticRounding.Backward.RELAXED;
        return sr.sampledForward() ? (relaxed ? 3 : 1) : 2;
    }

    private static String key(Cells.Cell x) {
        return x.activation() + "|" + x.rows() + "|" + x.pretrained() + "|" + x.dim() + "|" + x.spec().specJson();
    }

    private static int byRows(String a, String b) {
        long ra = Long.parseLong(a.substring(0, a.indexOf(' ')));
        long rb = Long.parseLong(b.substring(0, b.indexOf(' ')));
        return ra != rb ? Long.compare(ra, rb) : a.compareTo(b);
    }

    /** Mean |p - 0.5| per hidden layer, averaged over repeats, by cell (from the estimates' records). */
    private static Map<String, double[]> pOffsets(ReportContext c) {
        Map<String, List<double[]>> all = new LinkedHashMap<>();
        for (String k : c.keys("estimate")) {
            Map<String, Object> info = c.info("estimate", k);
            if (!(info.get("p_offset") instanceof List<?> per) || !(info.get("rows") instanceof Number rows)) {
                continue;
            }
            JsonNode p = c.params("estimate", k);
            boolean pretrained = c.inputStage("estimate", k, "model").equals("pretrain");
            String key = p.path("model").path("activation").asText() + "|" + rows.longValue() + "|" + (pretrained ? 1 : 0) + "|"
                    + p.path("model").path("dim").asLong() + "|" + Estimators.decode(p.path("estimator")).specJson();
            all.computeIfAbsent(key, x -> new ArrayList<>()).add(per.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray());
        }
        Map<String, double[]> out = new LinkedHashMap<>();
        all.forEach((k, v) -> out.put(k, Figures.meanSd(v)[0]));
        return out;
    }
}
