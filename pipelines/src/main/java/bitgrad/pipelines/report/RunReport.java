package bitgrad.pipelines.report;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.RandomBackwardSteEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.transforms.LrSweepStage;
import bitgrad.transforms.PretrainStage;
import bitgrad.transforms.ProbeStage;
import bitgrad.transforms.RosenbrockStage;
import bitgrad.transforms.Stages;
import bitgrad.transforms.SummaryStage;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

/**
 * Renders a run's figures ({@code plots/*.png|svg}), derived tables ({@code tables/*.arrow}) and
 * {@code report.html}, a self-contained page (no network) with the run's config, provenance,
 * cache decisions, every figure and the result tables, one section per stage. Reads only the
 * run record and cached artifacts, so {@code bitgrad report} can redo it without recomputing.
 */
public final class RunReport {

    private final RunData run;
    private final List<Figures.Figure> figures = new ArrayList<>();
    private final Map<String, List<Figures.Figure>> byStage = new LinkedHashMap<>();
    private final Map<String, String> tables = new LinkedHashMap<>();

    private RunReport(RunData run) {
        this.run = run;
    }

    /** Renders the report of the run in {@code runDir}; returns the path of report.html. */
    public static Path render(Path runDir, ArtifactStore store) throws IOException {
        System.setProperty("java.awt.headless", "true");
        RunReport r = new RunReport(RunData.load(runDir, store));
        return r.write();
    }

    private void add(String stage, Figures.Figure f) {
        figures.add(f);
        byStage.computeIfAbsent(stage, s -> new ArrayList<>()).add(f);
    }

    /** One row of the summary, aggregated over inits and batches. */
    private record Cell(String variant, long dim, String estimator, Estimator spec, List<Double> best, List<Double> lr, double flops, long rows) {
        double mean() {
            return best.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }

        double sd() {
            double m = mean();
            return Math.sqrt(best.stream().mapToDouble(v -> (v - m) * (v - m)).sum() / Math.max(1, best.size() - 1));
        }

        double meanLr() {
            return lr.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        }
    }

    private static String variant(String activation, long rows, long pretrained) {
        return "activation=" + activation + " batch=" + rows + (pretrained == 1 ? " pretrained" : " raw");
    }

    /** The estimator of a table row's spec column ({@code estimator_spec}, {@code a_spec}, {@code b_spec}). */
    private static Estimator spec(ColumnTable t, String column, int row) {
        return Estimators.decode(t.string(column, row));
    }

    private Path write() throws IOException {
        String key = run.summaryKey();
        List<Cell> cells = new ArrayList<>();
        ColumnTable cosine = null;
        ColumnTable ros = null;
        if (key != null) {
            ColumnTable s = run.table("summary", key, SummaryStage.SUMMARY.file());
            Map<String, Cell> agg = new LinkedHashMap<>();
            for (int r = 0; r < s.rows(); r++) {
                String v = variant(s.string("activation", r), s.getLong("rows", r), s.getLong("pretrained", r));
                String k = v + "|" + s.getLong("dim", r) + "|" + s.string("estimator", r);
                final int row = r;
                Cell c = agg.computeIfAbsent(k, x -> new Cell(v, s.getLong("dim", row), s.string("estimator", row),
                        spec(s, "estimator_spec", row), new ArrayList<>(),
                        new ArrayList<>(), s.getDouble("nominal_flops", row), s.getLong("rows", row)));
                c.best().add(s.getDouble("best_decrease", r));
                c.lr().add(s.getDouble("best_lr", r));
            }
            cells.addAll(agg.values());
            cosine = run.table("summary", key, SummaryStage.COSINE.file());
            ros = run.table("summary", key, SummaryStage.ROSENBROCK.file());
            lrCurves(key);
            bestVsDim(cells);
            bestVsK(cells);
            efficiency(cells);
            cosineVsReference(cosine);
            mismatch(cosine);
            rosenbrock(key);
        }
        pretrainCurves();
        ResNetFigures resnet = new ResNetFigures(run, this::add);
        resnet.pretrainCurves();
        ColumnTable resnetCosine = resnet.gradients();
        if (resnetCosine.rows() > 0) {
            tables.put("resnet_cosine", ResNetFigures.htmlByCase(resnetCosine));
        }
        probes();
        writeTables(cells);
        if (cosine != null) {
            writeMismatch(cosine);
        }
        String html = html(cells, cosine, ros);
        Path out = run.runDir().resolve("report.html");
        Files.writeString(out, html, StandardCharsets.UTF_8);
        return out;
    }

    // ---------------------------------------------------------------- figures

    private void lrCurves(String key) throws IOException {
        JsonNode task = run.task("summary", key);
        JsonNode sweeps = task.path("inputs").path("sweeps");
        Map<String, List<String>> groups = new TreeMap<>();
        Map<String, String> titles = new LinkedHashMap<>();
        for (int i = 0; i < sweeps.size(); i++) {
            JsonNode m = run.task("lr-sweep", sweeps.get(i).get("key").asText()).path("params").path("point");
            String v = variant(m.get("activation").asText(), m.get("rows").asLong(), m.get("pretrained").asBoolean() ? 1 : 0);
            String g = String.format(Locale.ROOT, "%s|%05d", v, m.get("dim").asInt());
            groups.computeIfAbsent(g, x -> new ArrayList<>()).add(sweeps.get(i).get("key").asText());
            titles.put(g, "dim=" + m.get("dim").asInt() + ", " + v);
        }
        int n = 0;
        for (Map.Entry<String, List<String>> g : groups.entrySet()) {
            Map<String, List<double[]>> curves = new LinkedHashMap<>();
            double[] lrs = null;
            for (String sweep : g.getValue()) {
                ColumnTable t = run.table("lr-sweep", sweep, LrSweepStage.CURVES.file());
                Map<String, List<Double>> dec = new LinkedHashMap<>();
                Map<String, List<Double>> lr = new LinkedHashMap<>();
                for (int r = 0; r < t.rows(); r++) {
                    dec.computeIfAbsent(t.string("estimator", r), x -> new ArrayList<>()).add(t.getDouble("decrease", r));
                    lr.computeIfAbsent(t.string("estimator", r), x -> new ArrayList<>()).add(t.getDouble("lr", r));
                }
                for (String e : dec.keySet()) {
                    curves.computeIfAbsent(e, x -> new ArrayList<>()).add(Figures.toArray(dec.get(e)));
                    lrs = Figures.toArray(lr.get(e));
                }
            }
            XYChart c = Figures.lines("Loss decrease vs learning rate, " + titles.get(g.getKey()), "learning rate (step along the normalised estimate)",
                    "loss decrease L(w) - L(w - lr g)");
            int colour = 0;
            for (Map.Entry<String, List<double[]>> e : curves.entrySet()) {
                double[][] ms = meanSd(e.getValue());
                Figures.line(c, e.getKey(), lrs, ms[0], colour);
                if (e.getValue().size() > 1) {
                    Figures.band(c, e.getKey() + " +sd", lrs, plus(ms[0], ms[1], 1), colour);
                    Figures.band(c, e.getKey() + " -sd", lrs, plus(ms[0], ms[1], -1), colour);
                }
                colour++;
            }
            String name = "lr_curves_" + (n++);
            Figures.save(c, run.runDir(), name);
            add("lr-sweep", new Figures.Figure(name, "Loss decrease vs lr: " + titles.get(g.getKey()),
                    "Mean over " + g.getValue().size() + " repeats (inits x batches); dashed lines: mean +- one standard deviation."));
        }
    }

    private static double[][] meanSd(List<double[]> runs) {
        int n = runs.get(0).length;
        double[] m = new double[n];
        double[] sd = new double[n];
        for (double[] r : runs) {
            for (int i = 0; i < n; i++) {
                m[i] += r[i] / runs.size();
            }
        }
        for (double[] r : runs) {
            for (int i = 0; i < n; i++) {
                sd[i] += (r[i] - m[i]) * (r[i] - m[i]) / Math.max(1, runs.size() - 1);
            }
        }
        for (int i = 0; i < n; i++) {
            sd[i] = Math.sqrt(sd[i]);
        }
        return new double[][] {m, sd};
    }

    private static double[] plus(double[] a, double[] b, double sign) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + sign * b[i];
        }
        return out;
    }

    /** Best decrease vs dim: best CDG over eps, each NES sample size (best sigma), STE, best sr-STE. */
    private void bestVsDim(List<Cell> cells) throws IOException {
        Map<String, Map<String, TreeMap<Long, Double>>> byVariant = new TreeMap<>();
        for (Cell c : cells) {
            String series = c.spec() instanceof CdgEstimator ? "CDG (best eps)"
                    : c.spec() instanceof NesEstimator nes ? "NES n=" + nes.samples()
                            + (nes.mode().equals("antithetic") ? "" : " " + nes.mode()) + " (best sigma)"
                    : c.spec() instanceof SrSteEstimator sr ? "sr-STE k=" + sr.samples() + " (best tau)"
                    : c.spec().family().toUpperCase(Locale.ROOT);
            byVariant.computeIfAbsent(c.variant(), x -> new TreeMap<>()).computeIfAbsent(series, x -> new TreeMap<>())
                    .merge(c.dim(), c.mean(), Math::max);
        }
        int n = 0;
        for (Map.Entry<String, Map<String, TreeMap<Long, Double>>> v : byVariant.entrySet()) {
            XYChart c = Figures.lines("Best loss decrease vs model width, " + v.getKey(), "num_dim (model width)",
                    "best loss decrease over the lr grid (mean over repeats)");
            c.getStyler().setXAxisDecimalPattern("0");
            int colour = 0;
            for (Map.Entry<String, TreeMap<Long, Double>> s : v.getValue().entrySet()) {
                double[] x = s.getValue().keySet().stream().mapToDouble(Long::doubleValue).toArray();
                double[] y = s.getValue().values().stream().mapToDouble(Double::doubleValue).toArray();
                Figures.line(c, s.getKey(), x, y, colour++).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
            }
            String name = "best_vs_dim_" + (n++);
            Figures.save(c, run.runDir(), name);
            add("lr-sweep", new Figures.Figure(name, "Best loss decrease vs num_dim: " + v.getKey(),
                    "Where the CDG line stays below an NES line, that NES setting beats every CDG eps tried."));
        }
    }

    /** sr-STE: best decrease against the number of samples k, one line per temperature, STE as reference. */
    private void bestVsK(List<Cell> cells) throws IOException {
        Map<String, Map<String, TreeMap<Long, Double>>> byVariant = new TreeMap<>();
        Map<String, Double> ste = new TreeMap<>();
        for (Cell c : cells) {
            String v = c.variant() + ", dim=" + c.dim();
            if (c.spec() instanceof SrSteEstimator sr) {
                byVariant.computeIfAbsent(v, x -> new TreeMap<>()).computeIfAbsent("sr-STE tau=" + sr.tau(), x -> new TreeMap<>())
                        .put((long) sr.samples(), c.mean());
            } else if (c.spec() instanceof SteEstimator) {
                ste.put(v, c.mean());
            }
        }
        int n = 0;
        for (Map.Entry<String, Map<String, TreeMap<Long, Double>>> v : byVariant.entrySet()) {
            if (v.getValue().values().stream().allMatch(m -> m.size() < 2)) {
                continue;
            }
            XYChart c = Figures.lines("Best loss decrease vs sr-STE samples, " + v.getKey(), "k (stochastic forward passes averaged)",
                    "best loss decrease (vanilla sign after the update)");
            c.getStyler().setXAxisDecimalPattern("0");
            int colour = 0;
            double[] ks = null;
            for (Map.Entry<String, TreeMap<Long, Double>> s : v.getValue().entrySet()) {
                ks = s.getValue().keySet().stream().mapToDouble(Long::doubleValue).toArray();
                Figures.line(c, s.getKey(), ks, s.getValue().values().stream().mapToDouble(Double::doubleValue).toArray(), colour++)
                        .setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
            }
            if (ste.containsKey(v.getKey()) && ks != null) {
                double[] y = new double[ks.length];
                java.util.Arrays.fill(y, ste.get(v.getKey()));
                Figures.line(c, "STE", ks, y, colour);
            }
            String name = "best_vs_k_" + (n++);
            Figures.save(c, run.runDir(), name);
            add("lr-sweep", new Figures.Figure(name, "Best decrease vs k: " + v.getKey(),
                    "Each point: the best loss decrease over the lr grid of the averaged sr-STE estimate, measured with the deterministic sign."));
        }
    }

    /** Best decrease against compute in forward-pass equivalents, one point per setting. */
    private void efficiency(List<Cell> cells) throws IOException {
        int depth = run.config().path("model").path("depth").asInt();
        Map<String, Map<String, List<double[]>>> byVariant = new TreeMap<>();
        for (Cell c : cells) {
            double forward = 2.0 * c.rows() * ((double) depth * c.dim() * c.dim() + c.dim());
            String series = c.spec().family().toUpperCase(Locale.ROOT) + " dim=" + c.dim();
            byVariant.computeIfAbsent(c.variant(), x -> new TreeMap<>()).computeIfAbsent(series, x -> new ArrayList<>())
                    .add(new double[] {c.flops() / forward, c.mean()});
        }
        int n = 0;
        for (Map.Entry<String, Map<String, List<double[]>>> v : byVariant.entrySet()) {
            XYChart c = Figures.lines("Estimator efficiency, " + v.getKey(), "compute per estimate (forward-pass equivalents, log)",
                    "best loss decrease");
            c.getStyler().setXAxisLogarithmic(true);
            c.getStyler().setXAxisDecimalPattern("0.#E0");
            c.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
            c.getStyler().setMarkerSize(9);
            for (Map.Entry<String, List<double[]>> s : v.getValue().entrySet()) {
                s.getValue().sort(Comparator.comparingDouble(p -> p[0]));
                c.addSeries(s.getKey(), s.getValue().stream().mapToDouble(p -> p[0]).toArray(),
                        s.getValue().stream().mapToDouble(p -> p[1]).toArray());
            }
            String name = "efficiency_" + (n++);
            Figures.save(c, run.runDir(), name);
            add("estimate", new Figures.Figure(name, "Descent bought per unit of compute: " + v.getKey(),
                    "Each point is one estimator setting; x counts the forward passes it evaluates (a backward pass counts as two),"
                            + " y is its best loss decrease. Up and to the left is better."));
        }
    }

    /** The reference estimator: CDG with the smallest eps, else STE. */
    private static Estimator reference(ColumnTable cosine) {
        Estimator best = new SteEstimator();
        double eps = Double.MAX_VALUE;
        for (int r = 0; r < cosine.rows(); r++) {
            for (String col : List.of("a_spec", "b_spec")) {
                if (spec(cosine, col, r) instanceof CdgEstimator cdg && cdg.eps() < eps) {
                    eps = cdg.eps();
                    best = cdg;
                }
            }
        }
        return best;
    }

    /** Mean overall cosine of each estimator with the reference (CDG with the smallest eps, else STE). */
    private void cosineVsReference(ColumnTable cosine) throws IOException {
        Estimator refSpec = reference(cosine);
        String ref = refSpec.label();
        Map<String, Map<String, Map<String, double[]>>> byVariant = new TreeMap<>();
        for (int r = 0; r < cosine.rows(); r++) {
            if (!cosine.string("tensor", r).equals("all")) {
                continue;
            }
            boolean isA = spec(cosine, "a_spec", r).equals(refSpec);
            if (!isA && !spec(cosine, "b_spec", r).equals(refSpec)) {
                continue;
            }
            String other = isA ? cosine.string("b", r) : cosine.string("a", r);
            String v = variant(cosine.string("activation", r), cosine.getLong("rows", r), cosine.getLong("pretrained", r));
            double[] acc = byVariant.computeIfAbsent(v, x -> new TreeMap<>()).computeIfAbsent("dim=" + cosine.getLong("dim", r),
                    x -> new LinkedHashMap<>()).computeIfAbsent(other, x -> new double[2]);
            acc[0] += cosine.getDouble("cosine", r);
            acc[1]++;
        }
        int n = 0;
        for (Map.Entry<String, Map<String, Map<String, double[]>>> v : byVariant.entrySet()) {
            CategoryChart c = Figures.bars("Cosine with " + ref + ", " + v.getKey(), "estimator", "cosine similarity (mean over repeats)");
            for (Map.Entry<String, Map<String, double[]>> d : v.getValue().entrySet()) {
                c.addSeries(d.getKey(), new ArrayList<>(d.getValue().keySet()),
                        d.getValue().values().stream().map(x -> (Number) (x[0] / x[1])).toList());
            }
            String name = "cosine_" + (n++);
            Figures.save(c, run.runDir(), name);
            add("lr-sweep", new Figures.Figure(name, "Agreement with " + ref + ": " + v.getKey(),
                    "Cosine between each estimate and the reference on the same model and batch, all layers together."));
        }
    }

    /** cosine(CDG, STE) per layer for every activation: the gradient-mismatch table as bars. */
    private void mismatch(ColumnTable cosine) throws IOException {
        Map<String, Map<String, Map<String, double[]>>> byEps = new TreeMap<>();
        for (int r = 0; r < cosine.rows(); r++) {
            String cdg = cdgVsSte(cosine, r);
            if (cdg == null || cosine.string("tensor", r).equals("all")) {
                continue;
            }
            String layer = cosine.string("tensor", r).replace(".weight", "");
            double[] acc = byEps.computeIfAbsent(cdg, x -> new TreeMap<>()).computeIfAbsent(layer, x -> new LinkedHashMap<>())
                    .computeIfAbsent(cosine.string("activation", r), x -> new double[2]);
            acc[0] += cosine.getDouble("cosine", r);
            acc[1]++;
        }
        int n = 0;
        for (Map.Entry<String, Map<String, Map<String, double[]>>> e : byEps.entrySet()) {
            CategoryChart c = Figures.bars("Gradient mismatch: cosine(" + e.getKey() + ", STE) per layer", "activation",
                    "cosine(CDG, STE)");
            for (Map.Entry<String, Map<String, double[]>> layer : e.getValue().entrySet()) {
                c.addSeries(layer.getKey(), new ArrayList<>(layer.getValue().keySet()),
                        layer.getValue().values().stream().map(x -> (Number) (x[0] / x[1])).toList());
            }
            String name = "mismatch_" + (n++);
            Figures.save(c, run.runDir(), name);
            add("lr-sweep", new Figures.Figure(name, "cosine(" + e.getKey() + ", STE) per layer",
                    "Near 1 means STE points where finite differences do; identity (FP) activations must give about 1."));
        }
    }

    /** The CDG label when row {@code r} pairs a CDG estimate with STE, else null. */
    private static String cdgVsSte(ColumnTable cosine, int r) {
        Estimator a = spec(cosine, "a_spec", r);
        Estimator b = spec(cosine, "b_spec", r);
        return a instanceof CdgEstimator && b instanceof SteEstimator ? a.label()
                : b instanceof CdgEstimator && a instanceof SteEstimator ? b.label() : null;
    }

    /** The eps of the CDG estimate in a CDG-vs-STE row. */
    private static double cdgEps(ColumnTable cosine, int r) {
        return spec(cosine, "a_spec", r) instanceof CdgEstimator a ? a.eps() : ((CdgEstimator) spec(cosine, "b_spec", r)).eps();
    }

    private void rosenbrock(String key) throws IOException {
        JsonNode task = run.task("summary", key);
        JsonNode refs = task.path("inputs").path("rosenbrock");
        if (refs.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        for (JsonNode ref : refs) {
            JsonNode p = run.task("rosenbrock", ref.get("key").asText()).path("params");
            names.add(Estimators.decode(p.path("estimator")).label() + " start " + p.path("start").asInt());
        }
        XYChart c = Figures.lines("Rosenbrock descent with estimated gradients", "step", "f(x) (log scale)");
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setYAxisLogarithmic(true);
        for (int i = 0; i < refs.size(); i++) {
            ColumnTable t = run.table("rosenbrock", refs.get(i).get("key").asText(), RosenbrockStage.TRAJECTORY.file());
            double[] x = new double[t.rows()];
            double[] y = new double[t.rows()];
            for (int r = 0; r < t.rows(); r++) {
                x[r] = t.getLong("step", r);
                y[r] = Math.max(1e-12, t.getDouble("f", r));
            }
            Figures.line(c, names.get(i), x, y, i);
        }
        Figures.save(c, run.runDir(), "rosenbrock");
        add("rosenbrock", new Figures.Figure("rosenbrock", "Rosenbrock: f vs step",
                "Descent from random integer starts in [-10, 10]; the minimum is f = 0 at all-ones."));
        XYChart cos = Figures.lines("Rosenbrock: agreement with the analytic gradient", "step", "cosine(estimate, analytic gradient)");
        cos.getStyler().setXAxisDecimalPattern("0");
        cos.getStyler().setYAxisDecimalPattern("0.####");
        for (int i = 0; i < refs.size(); i++) {
            ColumnTable t = run.table("rosenbrock", refs.get(i).get("key").asText(), RosenbrockStage.TRAJECTORY.file());
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (int r = 0; r < t.rows(); r++) {
                if (t.get("cosine", r) != null) {
                    x.add((double) t.getLong("step", r));
                    y.add(t.getDouble("cosine", r));
                }
            }
            Figures.line(cos, names.get(i), Figures.toArray(x),
                    Figures.toArray(y), i);
        }
        Figures.save(cos, run.runDir(), "rosenbrock_cosine");
        add("rosenbrock", new Figures.Figure("rosenbrock_cosine", "Rosenbrock: cosine with the analytic gradient",
                "Near the minimum CDG's smoothing bias (about eps^2/6 times the third derivative) becomes as large as the gradient itself."));
    }

    /** The discussion probes: one figure each, per probed (model, batch). */
    private void probes() throws IOException {
        int n = 0;
        for (String k : run.keys("probe")) {
            JsonNode p = run.task("probe", k).path("params");
            String what = "dim=" + p.path("model").path("dim").asInt() + " " + p.path("model").path("activation").asText() + " #" + n;
            ColumnTable nes = run.table("probe", k, ProbeStage.NES_POINTS.file());
            double[] dec = new double[nes.rows()];
            for (int r = 0; r < nes.rows(); r++) {
                dec[r] = nes.getDouble("decrease", r);
            }
            java.util.Arrays.sort(dec);
            double[] ranks = new double[dec.length];
            double[] desc = new double[dec.length];
            for (int r = 0; r < dec.length; r++) {
                ranks[r] = r + 1;
                desc[r] = dec[dec.length - 1 - r];
            }
            XYChart c = Figures.lines("NES max point: random directions vs STE and CDG, " + what, "direction rank (best first)",
                    "loss decrease at STE's best lr");
            c.getStyler().setXAxisDecimalPattern("0");
            Figures.line(c, "random directions (+-u)", ranks, desc, 0);
            double[] ends = {1, dec.length};
            Figures.line(c, "STE", ends, new double[] {nes.getDouble("ste_decrease", 0), nes.getDouble("ste_decrease", 0)}, 1);
            if (nes.get("cdg_decrease", 0) != null) {
                Figures.line(c, "CDG", ends, new double[] {nes.getDouble("cdg_decrease", 0), nes.getDouble("cdg_decrease", 0)}, 2);
            }
            String name = "probe_nes_" + n;
            Figures.save(c, run.runDir(), name);
            add("probe", new Figures.Figure(name, "NES max point: " + what,
                    "Every sampled direction (and its negative) stepped at STE's best lr; the best of them is NES's max point."));

            ColumnTable s = run.table("probe", k, ProbeStage.SEARCH.file());
            XYChart sc = Figures.lines("Steepest descent near STE, " + what, "perturbation radius r (direction normalize(g_ste + r xi))",
                    "loss decrease at STE's best lr");
            double[] radius = new double[s.rows()];
            double[] best = new double[s.rows()];
            double[] mean = new double[s.rows()];
            double[] ste = new double[s.rows()];
            for (int r = 0; r < s.rows(); r++) {
                radius[r] = s.getDouble("radius", r);
                best[r] = s.getDouble("best_decrease", r);
                mean[r] = s.getDouble("mean_decrease", r);
                ste[r] = s.getDouble("ste_decrease", r);
            }
            Figures.line(sc, "best candidate", radius, best, 0).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
            Figures.line(sc, "mean candidate", radius, mean, 1).setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
            Figures.line(sc, "STE", radius, ste, 2);
            name = "probe_search_" + n;
            Figures.save(sc, run.runDir(), name);
            add("probe", new Figures.Figure(name, "Search around STE: " + what,
                    "If the best candidate beats STE at small r, a steeper direction lies close to STE's."));

            ColumnTable sr = run.table("probe", k, ProbeStage.SR_UPDATE.file());
            if (sr.rows() > 0) {
                XYChart rc = Figures.lines("sr-STE update measured two ways, " + what, "learning rate", "loss decrease after the update");
                double[] lr = new double[sr.rows()];
                double[] van = new double[sr.rows()];
                double[] sto = new double[sr.rows()];
                for (int r = 0; r < sr.rows(); r++) {
                    lr[r] = sr.getDouble("lr", r);
                    van[r] = sr.getDouble("vanilla_decrease", r);
                    sto[r] = sr.getDouble("stochastic_decrease", r);
                }
                Figures.line(rc, "vanilla sign (deterministic)", lr, van, 0);
                Figures.line(rc, "stochastic forward (mean of draws)", lr, sto, 1);
                name = "probe_sr_" + n;
                Figures.save(rc, run.runDir(), name);
                add("probe", new Figures.Figure(name, "sr-STE update: vanilla vs stochastic evaluation, " + what,
                        "The same sr-STE step measured with the deterministic sign (what the sweeps report) and with the stochastic forward it was computed for."));
            }
            n++;
        }
        if (n > 0 && run.summaryKey() != null) {
            stochasticBackprop(run.summaryKey());
        }
    }

    /** Loss decrease vs lr for STE and stochastic STE backprop only. */
    private void stochasticBackprop(String key) throws IOException {
        JsonNode task = run.task("summary", key);
        JsonNode sweeps = task.path("inputs").path("sweeps");
        if (sweeps.isEmpty()) {
            return;
        }
        ColumnTable t = run.table("lr-sweep", sweeps.get(0).get("key").asText(), LrSweepStage.CURVES.file());
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (int r = 0; r < t.rows(); r++) {
            String e = t.string("estimator", r);
            Estimator est = spec(t, "estimator_spec", r);
            if (est instanceof SteEstimator || est instanceof RandomBackwardSteEstimator) {
                series.computeIfAbsent(e, x -> new ArrayList<>()).add(new double[] {t.getDouble("lr", r), t.getDouble("decrease", r)});
            }
        }
        if (series.size() < 2) {
            return;
        }
        XYChart c = Figures.lines("Stochastic STE backprop vs STE", "learning rate", "loss decrease L(w) - L(w - lr g)");
        int colour = 0;
        for (Map.Entry<String, List<double[]>> e : series.entrySet()) {
            Figures.line(c, e.getKey(), e.getValue().stream().mapToDouble(p -> p[0]).toArray(),
                    e.getValue().stream().mapToDouble(p -> p[1]).toArray(), colour++);
        }
        Figures.save(c, run.runDir(), "probe_ste_random");
        add("probe", new Figures.Figure("probe_ste_random", "Stochastic STE backprop",
                "Deterministic forward, backward pseudo-derivatives kept with probability keep (scaled by 1/keep), averaged over k draws; first (model, batch)."));
    }

    private void pretrainCurves() throws IOException {
        List<String> keys = run.keys("pretrain");
        if (keys.isEmpty()) {
            return;
        }
        XYChart c = Figures.lines("STE pretraining", "step", "training loss (MSE to the teacher, log scale)");
        c.getStyler().setXAxisDecimalPattern("0");
        c.getStyler().setYAxisLogarithmic(true);
        int i = 0;
        for (String k : keys) {
            JsonNode model = run.task("pretrain", k).path("params").path("model");
            ColumnTable t = run.table("pretrain", k, PretrainStage.CURVE.file());
            double[] x = new double[t.rows()];
            double[] y = new double[t.rows()];
            for (int r = 0; r < t.rows(); r++) {
                x[r] = t.getLong("step", r);
                y[r] = Math.max(1e-12, t.getDouble("loss", r));
            }
            if (t.rows() > 0) {
                Figures.line(c, "dim=" + model.path("dim").asInt() + " " + model.path("activation").asText() + " #" + i, x, y, i);
            }
            i++;
        }
        Figures.save(c, run.runDir(), "pretrain");
        add("pretrain", new Figures.Figure("pretrain", "Pretraining loss", "Training loss of each pretrained evaluate model."));
    }

    // ---------------------------------------------------------------- tables

    private void writeTables(List<Cell> cells) throws IOException {
        Path dir = run.runDir().resolve("tables");
        Files.createDirectories(dir);
        ColumnTable best = Tables.BEST_SETTINGS.empty();
        for (Cell c : cells) {
            best.add(c.variant(), c.dim(), c.estimator(), c.spec().specJson(), c.mean(), c.sd(), c.meanLr(), (long) c.best().size(),
                    c.flops() / 1e9);
        }
        ColumnTable hp = Tables.BEST_HYPERPARAMETERS.empty();
        Map<String, Cell> bestOf = new TreeMap<>();
        Map<String, String> familyOf = new TreeMap<>();
        for (Cell c : cells) {
            String fam = c.spec() instanceof NesEstimator nes ? "nes n=" + nes.samples() : c.spec().family();
            String k = c.variant() + "|" + String.format(Locale.ROOT, "%05d", c.dim()) + "|" + fam;
            familyOf.put(k, fam);
            bestOf.merge(k, c, (x, y) -> x.mean() >= y.mean() ? x : y);
        }
        bestOf.forEach((k, c) -> hp.add(c.variant(), c.dim(), familyOf.get(k), c.estimator(), c.spec().specJson(), c.mean()));
        Files.deleteIfExists(dir.resolve("best_settings.arrow"));
        Files.deleteIfExists(dir.resolve("best_hyperparameters.arrow"));
        ArrowFiles.write(dir.resolve("best_settings.arrow"), best);
        ArrowFiles.write(dir.resolve("best_hyperparameters.arrow"), hp);
        tables.put("best_settings", htmlTable(best));
        tables.put("best_hyperparameters", htmlTable(hp));
    }

    /** The gradient-mismatch table: mean cosine(CDG, STE) per activation, eps and layer (Arrow and HTML). */
    private void writeMismatch(ColumnTable cosine) throws IOException {
        Map<String, double[]> agg = new TreeMap<>();
        for (int r = 0; r < cosine.rows(); r++) {
            if (cdgVsSte(cosine, r) != null) {
                String k = cosine.string("activation", r) + "|" + cdgEps(cosine, r) + "|" + cosine.getLong("dim", r) + "|"
                        + cosine.string("tensor", r);
                double[] acc = agg.computeIfAbsent(k, x -> new double[2]);
                acc[0] += cosine.getDouble("cosine", r);
                acc[1]++;
            }
        }
        if (agg.isEmpty()) {
            return;
        }
        ColumnTable t = Tables.MISMATCH.empty();
        agg.forEach((k, v) -> {
            String[] p = k.split("\\|");
            t.add(p[0], Double.parseDouble(p[1]), Long.parseLong(p[2]), p[3], v[0] / v[1], (long) v[1]);
        });
        Path f = run.runDir().resolve("tables").resolve("mismatch.arrow");
        Files.deleteIfExists(f);
        ArrowFiles.write(f, t);
        tables.put("mismatch", htmlTable(t));
    }

    static String htmlTable(ColumnTable t) {
        StringBuilder sb = new StringBuilder("<table><tr>");
        t.columns().keySet().forEach(c -> sb.append("<th>").append(esc(c)).append("</th>"));
        sb.append("</tr>");
        for (int r = 0; r < t.rows(); r++) {
            sb.append("<tr>");
            for (String c : t.columns().keySet()) {
                Object v = t.get(c, r);
                String s = v == null ? "" : v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : v.toString();
                sb.append(v instanceof Number ? "<td class=num>" : "<td>").append(esc(s)).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</table>").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    // ---------------------------------------------------------------- page

    private String html(List<Cell> cells, ColumnTable cosine, ColumnTable ros) throws IOException {
        JsonNode rec = run.record();
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>bitgrad report: ").append(esc(rec.path("run_id").asText()))
                .append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                        + "table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #ccc;padding:3px 7px}"
                        + "th{background:#f0f0f0}td.num{text-align:right;font-family:monospace}img{max-width:100%;border:1px solid #eee}"
                        + "pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:12px}figure{margin:1.5em 0}"
                        + "figcaption{font-size:13px;color:#555}.bad{color:#b00}</style></head><body>");
        h.append("<h1>bitgrad run ").append(esc(rec.path("run_id").asText())).append("</h1>");
        h.append("<p>Experiment <b>").append(esc(rec.path("experiment").asText())).append("</b> (").append(esc(rec.path("source").asText()))
                .append("), status <b class=\"").append(rec.path("status").asText().equals("ok") ? "" : "bad").append("\">")
                .append(esc(rec.path("status").asText())).append("</b>, ").append(String.format(Locale.ROOT, "%.1f", rec.path("seconds").asDouble()))
                .append(" s on the ").append(esc(rec.path("runner").asText())).append(" runner.</p>");
        if (rec.has("error")) {
            h.append("<p class=bad>").append(esc(rec.path("error").asText())).append("</p>");
        }
        h.append("<h2 id=results>Results</h2>");
        if (!cells.isEmpty()) {
            h.append("<h3>Best hyperparameter per family</h3>").append(tables.get("best_hyperparameters"));
            h.append("<h3>Every setting</h3>").append(tables.get("best_settings"));
        }
        h.append("<h2 id=provenance>Provenance</h2><table>");
        for (String k : List.of("run_id", "seed", "git_commit", "git_dirty", "host", "os", "runner", "parallelism", "device", "started",
                "finished")) {
            h.append("<tr><th>").append(k).append("</th><td>").append(esc(rec.path(k).asText())).append("</td></tr>");
        }
        rec.path("versions").fields().forEachRemaining(e -> h.append("<tr><th>").append(esc(e.getKey())).append("</th><td>")
                .append(esc(e.getValue().asText())).append("</td></tr>"));
        h.append("</table>");
        h.append("<h2 id=stages>Stages and cache decisions</h2><table><tr><th>stage</th><th>cache</th><th>reason</th>"
                + "<th>tasks</th><th>computed</th><th>seconds</th></tr>");
        for (JsonNode s : rec.path("stages")) {
            h.append("<tr><td><a href=\"#stage-").append(esc(s.path("stage").asText())).append("\">").append(esc(s.path("stage").asText()))
                    .append("</a></td><td>").append(esc(s.path("cache").asText())).append("</td><td>").append(esc(s.path("reason").asText()))
                    .append("</td><td class=num>").append(s.path("tasks").asInt()).append("</td><td class=num>").append(s.path("computed").asInt())
                    .append("</td><td class=num>").append(String.format(Locale.ROOT, "%.2f", s.path("seconds").asDouble())).append("</td></tr>");
        }
        h.append("</table>");
        for (JsonNode s : rec.path("stages")) {
            String stage = s.path("stage").asText();
            h.append("<h2 id=\"stage-").append(esc(stage)).append("\">Stage ").append(esc(stage)).append("</h2>");
            h.append("<p>").append(s.path("tasks").asInt()).append(" tasks, ").append(s.path("computed").asInt())
                    .append(" computed in this run (").append(esc(s.path("reason").asText())).append(").</p>");
            for (Figures.Figure f : byStage.getOrDefault(stage, List.of())) {
                h.append("<figure><img src=\"plots/").append(f.name()).append(".png\" alt=\"").append(esc(f.title()))
                        .append("\"><figcaption><b>").append(esc(f.title())).append(".</b> ").append(esc(f.caption()))
                        .append(" <a href=\"plots/").append(f.name()).append(".svg\">SVG</a></figcaption></figure>");
            }
            if (stage.equals(Stages.RESNET_GRAD.name()) && tables.containsKey("resnet_cosine")) {
                h.append("<h3>cosine(CDG, STE) per case and layer</h3>").append(tables.get("resnet_cosine"))
                        .append("<p>As Arrow: <a href=\"tables/resnet_cosine.arrow\">resnet_cosine.arrow</a>.</p>");
            }
            if (stage.equals("rosenbrock") && ros != null && ros.rows() > 0) {
                h.append(htmlTable(ros));
            }
            if (stage.equals("lr-sweep") && tables.containsKey("mismatch")) {
                h.append("<h3>Gradient mismatch: cosine(CDG, STE) per layer</h3>").append(tables.get("mismatch"));
            }
            if (stage.equals("lr-sweep") && cosine != null) {
                h.append("<details><summary>All cosines (").append(cosine.rows()).append(" rows)</summary>").append(htmlTable(cosine))
                        .append("</details>");
            }
        }
        h.append("<h2 id=config>Configuration</h2><pre>")
                .append(esc(bitgrad.transforms.Task.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(run.config())))
                .append("</pre>");
        h.append("<p>Tables as Arrow files: <a href=\"tables/best_settings.arrow\">best_settings.arrow</a>, "
                + "<a href=\"tables/best_hyperparameters.arrow\">best_hyperparameters.arrow</a>.</p>");
        h.append("</body></html>\n");
        return h.toString();
    }
}
