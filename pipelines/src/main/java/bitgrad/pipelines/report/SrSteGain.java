package bitgrad.pipelines.report;

import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.StochasticRounding;
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

    /** Bumped whenever what this answer says changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 2;
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
        ColumnTable t = Tables.SR_STE_FACTORIAL.empty();
        // (raw|pretrained) -> cell 1..3 -> (rows -> gains relative to STE, one per setting)
        Map<String, List<Map<Long, List<Questions.Paired>>>> gains = new TreeMap<>();
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
                    List<Map<Long, List<Questions.Paired>>> cells = gains.computeIfAbsent(model, m -> new ArrayList<>(List.of(
                            new TreeMap<>(), new TreeMap<>(), new TreeMap<>())));
                    cells.get(i - 1).computeIfAbsent(x.rows(), r -> new ArrayList<>()).add(rel);
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
        for (Map.Entry<String, List<Map<Long, List<Questions.Paired>>>> m : gains.entrySet()) {
            List<Questions.Paired> pooled = new ArrayList<>();
            StringBuilder perBatch = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                List<Questions.Paired> all = new ArrayList<>();
                List<String> rows = new ArrayList<>();
                m.getValue().get(i).forEach((r, v) -> {
                    all.addAll(v);
                    rows.add(pooled(v).percent() + " at batch " + r);
                });
                pooled.add(pooled(all));
                perBatch.append(i == 0 ? "the stochastic forward alone " : i == 1 ? "; the relaxed backward alone " : "; both together ")
                        .append(String.join(", ", rows));
            }
            String[] source = source(pooled.get(0), pooled.get(1));
            String sentence = String.format(Locale.ROOT, "On %s models, against STE's best decrease on the same models and batches (paired"
                    + " over repeats, mean ± se): %s. Source of the gain: %s, %s", m.getKey(), perBatch, source[0], source[1]);
            Questions.verdict(c, QUESTION, "Where does sr-STE's gain come from: forward noise or the backward? (" + m.getKey() + " models)",
                    sentence, String.format(Locale.ROOT, "model=%s source=%s forward_gain=%.4g forward_se=%.3g backward_gain=%.4g"
                            + " backward_se=%.3g both_gain=%.4g both_se=%.3g repeats=%d", m.getKey(), source[0].replace(' ', '-'),
                            pooled.get(0).mean(), pooled.get(0).se(), pooled.get(1).mean(), pooled.get(1).se(), pooled.get(2).mean(),
                            pooled.get(2).se(), Math.min(pooled.get(0).n(), pooled.get(1).n())));
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

    /** The verdict's answer: a short name and the reason. */
    private static String[] source(Questions.Paired f, Questions.Paired b) {
        Questions.Paired fewer = f.n() <= b.n() ? f : b;
        String beyond = String.format(java.util.Locale.ROOT, "%.1f standard errors (the t test's 5%% point with %d repeats)",
                fewer.critical(), fewer.n());
        if (f.positive() && b.positive()) {
            return new String[] {"both", "each alone gains more than " + beyond};
        }
        if (f.positive()) {
            return new String[] {"forward noise", "only the stochastic forward gains more than " + beyond};
        }
        if (b.positive()) {
            return new String[] {"the backward", "only the relaxed backward gains more than " + beyond};
        }
        if (f.negative() && b.negative()) {
            return new String[] {"neither", "both cost decrease against STE by more than " + beyond};
        }
        return new String[] {"not separable", "neither gain exceeds " + beyond + " (paired repeats, not yet inits as the unit)"};
    }

    /**
     * The gains of several settings (each relative to its STE decrease, so dims of different loss
     * scales weigh alike) pooled: their mean, with the standard error of that mean from the
     * settings' own standard errors.
     */
    private static Questions.Paired pooled(List<Questions.Paired> gains) {
        if (gains.isEmpty()) {
            return new Questions.Paired(Double.NaN, Double.NaN, 0);
        }
        double m = 0;
        double v = 0;
        int n = Integer.MAX_VALUE;
        for (Questions.Paired g : gains) {
            m += g.mean() / gains.size();
            v += (Double.isNaN(g.se()) ? 0 : g.se() * g.se()) / ((double) gains.size() * gains.size());
            n = Math.min(n, g.n());
        }
        return new Questions.Paired(m, Math.sqrt(v), n);
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
