package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.stats.Corrections;
import bitgrad.models.stats.PairedTest;
import bitgrad.models.stats.SpearmanTest;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import bitgrad.transforms.TaskRef;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * What CDG measures at small eps on a quantized network: per CDG estimate and layer, the level
 * crossings each coordinate rests on (rows whose perturbed unit changes level, recorded by the
 * delta method) against CDG's cosine with STE on the same model and batch and against its
 * repeatability, the mean cosine with the same CDG setting on the model's other batches. A
 * coordinate resting on a handful of crossings is those rows' noise; the verdict says whether
 * repeatability follows the crossings within each (eps, layer) stratum (pooled, it would mostly
 * measure eps): Spearman with a permutation p-value and a bootstrap interval, at least 10 points
 * per stratum, Holm over the strata; and it describes both below one and above ten crossings.
 */
final class CdgCrossings implements Part {

    /**
     * Report table: per CDG estimate and layer, the level crossings each coordinate rests on, the
     * cosine with STE on the same model and batch, and the mean cosine with the same CDG setting on
     * the model's other batches (repeatability); null where there is nothing to compare with.
     */
    static final Tables.Schema CDG_CROSSINGS = new Tables.Schema("cdg_crossings", new Object[] {"activation", STRING, "dim", LONG, "pretrained", LONG,
            "eps", DOUBLE, "layer", STRING, "crossings_per_coordinate", DOUBLE, "cosine_with_ste", DOUBLE, "repeatability", DOUBLE});
    /**
     * Report table: per (eps, layer) of question {@code cdg-crossings}, Spearman's rho of CDG's
     * repeatability against its crossings per coordinate with its 95 % bootstrap interval, the
     * permutation p and the Holm-adjusted p (null where the stratum has fewer than 10 points), and
     * rho of the cosine with STE.
     */
    static final Tables.Schema CDG_CROSSINGS_STRATA = new Tables.Schema("cdg_crossings_strata", new Object[] {"eps", DOUBLE, "layer", STRING, "points", LONG,
            "spearman_repeatability", DOUBLE, "low", DOUBLE, "high", DOUBLE, "p", DOUBLE, "p_holm", DOUBLE, "points_ste", LONG,
            "spearman_ste", DOUBLE});

    static final String QUESTION = "cdg-crossings";

    /** Bumped whenever what this part says changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 6;
    }

    /** One point: a layer of a CDG estimate. */
    private record Point(String activation, long dim, long pretrained, double eps, int layer, double crossings, Double ste,
            Double repeat) {
    }

    @Override
    public void render(ReportContext c) throws IOException {
        // the estimates of each (model, batch) and of each (model, estimator) over batches
        Map<String, Map<String, String>> byModelBatch = new LinkedHashMap<>(); // model|data -> spec -> estimate key
        Map<String, List<String>> byModelSpec = new LinkedHashMap<>(); // model|spec -> estimate keys (one per batch)
        for (String k : c.keys("estimate")) {
            TaskRef model = c.input("estimate", k, "model");
            TaskRef data = c.input("estimate", k, "data");
            if (model == null || data == null) {
                continue;
            }
            String spec = Estimators.decode(c.params("estimate", k).path("estimator")).specJson();
            byModelBatch.computeIfAbsent(model.key() + "|" + data.key(), x -> new LinkedHashMap<>()).put(spec, k);
            byModelSpec.computeIfAbsent(model.key() + "|" + spec, x -> new ArrayList<>()).add(k);
        }
        Map<String, ParamSet> grads = new LinkedHashMap<>();
        List<Point> points = new ArrayList<>();
        java.util.Set<String> initKeys = new java.util.HashSet<>();
        java.util.Set<String> inits = initKeys;
        for (Map.Entry<String, Map<String, String>> mb : byModelBatch.entrySet()) {
            String steKey = mb.getValue().get(new SteEstimator().specJson());
            for (Map.Entry<String, String> e : mb.getValue().entrySet()) {
                Estimator est = Estimators.decode(e.getKey());
                Map<String, Object> info = c.info("estimate", e.getValue());
                if (!(est instanceof CdgEstimator cdg) || !(info.get("crossings") instanceof List<?> crossings)) {
                    continue;
                }
                ParamSet g = load(c, grads, e.getValue());
                double[] ste = steKey == null ? null : Gradients.cosinePerTensor(g, load(c, grads, steKey));
                String model = mb.getKey().substring(0, mb.getKey().indexOf('|'));
                double[] repeat = new double[g.count()];
                int others = 0;
                for (String other : byModelSpec.get(model + "|" + e.getKey())) {
                    if (!other.equals(e.getValue())) {
                        double[] cos = Gradients.cosinePerTensor(g, load(c, grads, other));
                        for (int t = 0; t < cos.length; t++) {
                            repeat[t] += cos[t];
                        }
                        others++;
                    }
                }
                JsonNode p = c.params("estimate", e.getValue());
                if (p.path("model").path("activation").asText().equals("identity")) {
                    continue; // no levels to cross: full precision is the mismatch table's control, not a point here
                }
                long pretrained = c.inputStage("estimate", e.getValue(), "model").equals("pretrain") ? 1 : 0;
                // the init behind the estimate: the model itself, or the init a pretrained model started from
                TaskRef modelRef = c.input("estimate", e.getValue(), "model");
                TaskRef initRef = pretrained == 1 ? c.input("pretrain", modelRef.key(), "init") : modelRef;
                inits.add(initRef == null ? modelRef.key() : initRef.key());
                for (int t = 0; t < g.count() && t < crossings.size(); t++) {
                    if (!(crossings.get(t) instanceof Number)) {
                        continue; // the output layer has no level after it: nothing counted
                    }
                    points.add(new Point(p.path("model").path("activation").asText(), p.path("model").path("dim").asLong(), pretrained,
                            cdg.eps(), t, ((Number) crossings.get(t)).doubleValue(), ste == null ? null : ste[t],
                            others == 0 ? null : repeat[t] / others));
                }
            }
        }
        List<Point> usable = points.stream().filter(x -> x.ste() != null || x.repeat() != null).toList();
        if (usable.isEmpty()) {
            return;
        }
        usable = new ArrayList<>(usable);
        usable.sort(Comparator.comparingDouble(Point::crossings));
        ColumnTable t = CDG_CROSSINGS.empty();
        usable.forEach(x -> t.add(x.activation(), x.dim(), x.pretrained(), x.eps(), "layer" + x.layer(), x.crossings(), x.ste(), x.repeat()));
        List<Point> withSte = usable.stream().filter(x -> x.ste() != null).toList();
        List<Point> withRepeat = usable.stream().filter(x -> x.repeat() != null).toList();
        // pooled over eps and layers, a correlation with the crossings is mostly an eps (or layer) effect: test within each
        // (eps, layer) stratum, Holm over the strata tested
        List<Stratum> strata = strata(withRepeat, withSte);
        double[] holm = Corrections.holm(strata.stream().filter(Stratum::tested).mapToDouble(Stratum::p).toArray());
        List<String> parts = new ArrayList<>();
        int k = 0;
        int rising = 0;
        int falling = 0;
        int tested = 0;
        ColumnTable st = CDG_CROSSINGS_STRATA.empty();
        for (Stratum x : strata) {
            Double adjusted = x.tested() ? holm[k++] : null;
            st.add(x.eps(), "layer" + x.layer(), (long) x.repeat().n(), nan(x.repeat().rho()), nan(x.repeat().low()), nan(x.repeat().high()),
                    x.repeat().tested() ? (Double) x.repeat().p() : null, adjusted, (long) x.ste().n(), nan(x.ste().rho()));
            if (adjusted == null) {
                continue;
            }
            tested++;
            boolean significant = adjusted < PairedTest.ALPHA;
            rising += significant && x.repeat().rho() > 0 ? 1 : 0;
            falling += significant && x.repeat().rho() < 0 ? 1 : 0;
            if (significant) {
                parts.add(String.format(Locale.ROOT, "eps=%s layer%d: Spearman %.2f (95%% bootstrap interval %.2f to %.2f, %d points,"
                        + " permutation p=%.2g, Holm-adjusted %.2g)", fmt(x.eps()), x.layer(), x.repeat().rho(), x.repeat().low(),
                        x.repeat().high(), x.repeat().n(), x.repeat().p(), adjusted));
            }
        }
        double[] lowSte = band(withSte, 0, 1, true);
        double[] highSte = band(withSte, 10, Double.POSITIVE_INFINITY, true);
        double[] lowRep = band(withRepeat, 0, 1, false);
        double[] highRep = band(withRepeat, 10, Double.POSITIVE_INFINITY, false);
        String reading;
        if (tested == 0) {
            reading = "Not decided: no (eps, layer) stratum has the " + SpearmanTest.MIN_POINTS + " points a test needs; more inits,"
                    + " batches or dims give more points per stratum.";
        } else if (rising * 2 > tested && falling == 0) {
            reading = "In most tested strata CDG repeats better where a coordinate rests on more crossings: where few rows flip, CDG"
                    + " measures their noise.";
        } else if (rising + falling == 0) {
            reading = "In no tested stratum does repeatability follow the crossings beyond chance: not decided at this size (a"
                    + " stratum of 10 points finds a rank correlation of about 0.7 about half the time; more points per stratum decide"
                    + " weaker ones).";
        } else {
            reading = "Only some strata show it, so no general statement is made: more points per stratum (inits, batches) decide it.";
        }
        String sentence = String.format(Locale.ROOT, "Over %d CDG layer estimates, CDG's repeatability over batches against the level"
                + " crossings per coordinate, tested within each (eps, layer) with at least %d points (Spearman, permutation p, Holm"
                + " over the %d strata tested of %d; table cdg_crossings_strata): it rises with the crossings in %d, falls in %d%s. %s%s",
                usable.size(), SpearmanTest.MIN_POINTS, tested, strata.size(), rising, falling,
                parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")", reading, bands(lowRep, lowSte, highRep, highSte));
        Questions.verdict(c, QUESTION, "What does CDG measure at small eps on a quantized network?", sentence, String.format(Locale.ROOT,
                "strata=%d tested=%d rising=%d falling=%d holm=yes low_repeatability=%s high_repeatability=%s low_cosine_ste=%s"
                        + " high_cosine_ste=%s points=%d inits=%d p=%s%s", strata.size(), tested, rising, falling, fmt(lowRep[0]),
                fmt(highRep[0]), fmt(lowSte[0]), fmt(highSte[0]), usable.size(), initKeys.size(), holm.length == 0 ? "none"
                        : fmt(java.util.Arrays.stream(holm).min().orElse(Double.NaN)),
                tested == strata.size() ? "" : " unresolved=" + (strata.size() - tested) + "_strata_too_small"));
        figure(c, withRepeat, false, "cdg_crossings_repeatability", "CDG repeatability over batches vs level crossings",
                "cosine with the same CDG setting on the model's other batches");
        figure(c, withSte, true, "cdg_crossings_ste", "CDG agreement with STE vs level crossings", "cosine(CDG, STE), same model and batch");
        c.table(Questions.SECTION, "CDG per layer: level crossings per coordinate, cosine with STE, repeatability over batches", t);
        c.table(Questions.SECTION, "CDG crossings per (eps, layer): Spearman of repeatability (and of the cosine with STE) against the"
                + " crossings, permutation p, Holm over the strata tested", st);
    }

    private static void figure(ReportContext c, List<Point> pts, boolean ste, String name, String title, String y) throws IOException {
        if (pts.isEmpty()) {
            return;
        }
        XYChart chart = Figures.lines(title, "level crossings per coordinate (rows whose unit changes level; log)", y);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        Map<String, List<Point>> series = new TreeMap<>();
        // a log axis has no place for 0 crossings: those points sit at a tenth of the smallest positive count, said in the caption
        double floor = pts.stream().mapToDouble(Point::crossings).filter(x -> x > 0).min().orElse(1) / 10;
        pts.forEach(x -> series.computeIfAbsent(x.activation() + " eps=" + x.eps() + " dim=" + x.dim(), k -> new ArrayList<>()).add(x));
        // colour by (activation, eps), marker by width: a full grid's 4 eps x 3 widths stay apart on a 10-colour palette
        List<String> colours = new ArrayList<>();
        List<Long> widths = new ArrayList<>();
        pts.forEach(x -> {
            if (!colours.contains(x.activation() + " eps=" + x.eps())) {
                colours.add(x.activation() + " eps=" + x.eps());
            }
            if (!widths.contains(x.dim())) {
                widths.add(x.dim());
            }
        });
        java.util.Collections.sort(widths);
        org.knowm.xchart.style.markers.Marker[] shapes = {SeriesMarkers.CIRCLE, SeriesMarkers.DIAMOND, SeriesMarkers.SQUARE,
            SeriesMarkers.TRIANGLE_UP, SeriesMarkers.TRIANGLE_DOWN, SeriesMarkers.CROSS};
        for (Map.Entry<String, List<Point>> s : series.entrySet()) {
            Point first = s.getValue().get(0);
            XYSeries xy = chart.addSeries(s.getKey(), s.getValue().stream().mapToDouble(x -> Math.max(x.crossings(), floor)).toArray(),
                    s.getValue().stream().mapToDouble(x -> ste ? x.ste() : x.repeat()).toArray());
            xy.setMarker(shapes[widths.indexOf(first.dim()) % shapes.length]);
            xy.setMarkerColor(Figures.PALETTE[colours.indexOf(first.activation() + " eps=" + first.eps()) % Figures.PALETTE.length]);
        }
        c.figure(Questions.SECTION, chart, name, title, "One point per CDG estimate and layer (every model, batch and repeat). A CDG"
                + " coordinate is a difference of two losses that differ only in the rows where the perturbed unit changes level: with"
                + " few such rows it is those rows' noise. Points with no crossing at all are drawn at " + fmt(floor) + ".");
    }

    /** Mean of the measure over points whose crossings lie in {@code [lo, hi)}, and their count. */
    private static double[] band(List<Point> pts, double lo, double hi, boolean ste) {
        double sum = 0;
        int n = 0;
        for (Point x : pts) {
            if (x.crossings() >= lo && x.crossings() < hi) {
                sum += ste ? x.ste() : x.repeat();
                n++;
            }
        }
        return new double[] {n == 0 ? Double.NaN : sum / n, n};
    }

    /** The description below one and above ten crossings, naming only the bands that have points (no unfilled slots). */
    private static String bands(double[] lowRep, double[] lowSte, double[] highRep, double[] highSte) {
        List<String> parts = new ArrayList<>();
        if (lowRep[1] + lowSte[1] > 0) {
            parts.add("below one crossing per coordinate the mean repeatability is " + cell(lowRep) + " and the cosine with STE "
                    + cell(lowSte));
        }
        if (highRep[1] + highSte[1] > 0) {
            parts.add("above ten, " + cell(highRep) + " and " + cell(highSte));
        }
        return parts.isEmpty() ? "" : " Described, not tested: " + String.join("; ", parts) + ".";
    }

    private static String cell(double[] band) {
        return Double.isNaN(band[0]) ? "(no points)" : String.format(Locale.ROOT, "%.2f (%d points)", band[0], (long) band[1]);
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "none" : String.format(Locale.ROOT, "%.3g", v);
    }

    private static ParamSet load(ReportContext c, Map<String, ParamSet> cache, String key) throws IOException {
        ParamSet g = cache.get(key);
        if (g == null) {
            g = c.gradient(key);
            cache.put(key, g);
        }
        return g;
    }

    /** One (eps, layer): Spearman of repeatability and of the cosine with STE against the crossings. */
    private record Stratum(double eps, int layer, SpearmanTest repeat, SpearmanTest ste) {
        boolean tested() {
            return repeat.tested();
        }

        double p() {
            return repeat.p();
        }
    }

    private static List<Stratum> strata(List<Point> withRepeat, List<Point> withSte) {
        Map<String, List<Point>> rep = new TreeMap<>();
        Map<String, List<Point>> ste = new TreeMap<>();
        withRepeat.forEach(x -> rep.computeIfAbsent(key(x), k -> new ArrayList<>()).add(x));
        withSte.forEach(x -> ste.computeIfAbsent(key(x), k -> new ArrayList<>()).add(x));
        java.util.Set<String> keys = new java.util.TreeSet<>(rep.keySet());
        keys.addAll(ste.keySet());
        List<Stratum> out = new ArrayList<>();
        for (String k : keys) {
            List<Point> r = rep.getOrDefault(k, List.of());
            List<Point> s = ste.getOrDefault(k, List.of());
            Point any = r.isEmpty() ? s.get(0) : r.get(0);
            long seed = k.hashCode();
            out.add(new Stratum(any.eps(), any.layer(), SpearmanTest.of(r.stream().mapToDouble(Point::crossings).toArray(),
                    r.stream().mapToDouble(Point::repeat).toArray(), seed), SpearmanTest.of(s.stream().mapToDouble(Point::crossings).toArray(),
                    s.stream().mapToDouble(Point::ste).toArray(), seed + 1)));
        }
        return out;
    }

    private static String key(Point x) {
        return String.format(Locale.ROOT, "%.6e|%02d", x.eps(), x.layer());
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
