package bitgrad.pipelines.report;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
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
 * agreement and repeatability follow the crossings (Spearman rank correlation) and gives both
 * below one and above ten crossings per coordinate.
 */
final class CdgCrossings implements Part {

    static final String QUESTION = "cdg-crossings";

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
        ColumnTable t = Tables.CDG_CROSSINGS.empty();
        usable.forEach(x -> t.add(x.activation(), x.dim(), x.pretrained(), x.eps(), "layer" + x.layer(), x.crossings(), x.ste(), x.repeat()));
        List<Point> withSte = usable.stream().filter(x -> x.ste() != null).toList();
        List<Point> withRepeat = usable.stream().filter(x -> x.repeat() != null).toList();
        double rhoSte = spearman(withSte.stream().mapToDouble(Point::crossings).toArray(), withSte.stream().mapToDouble(Point::ste).toArray());
        double rhoRep = spearman(withRepeat.stream().mapToDouble(Point::crossings).toArray(),
                withRepeat.stream().mapToDouble(Point::repeat).toArray());
        double[] lowSte = band(withSte, 0, 1, true);
        double[] highSte = band(withSte, 10, Double.POSITIVE_INFINITY, true);
        double[] lowRep = band(withRepeat, 0, 1, false);
        double[] highRep = band(withRepeat, 10, Double.POSITIVE_INFINITY, false);
        String sentence = String.format(Locale.ROOT, "Over %d CDG layer estimates, CDG's repeatability over batches %s the level crossings"
                + " per coordinate (Spearman %s) and its agreement with STE %s them (Spearman %s). Below one crossing per coordinate the"
                + " mean repeatability is %s and the cosine with STE %s; above ten, %s and %s. %s", usable.size(), trend(rhoRep),
                fmt(rhoRep), trend(rhoSte), fmt(rhoSte), cell(lowRep), cell(lowSte), cell(highRep), cell(highSte),
                meaning(lowRep, highRep));
        Questions.verdict(c, QUESTION, "What does CDG measure at small eps on a quantized network?", sentence, String.format(Locale.ROOT,
                "spearman_repeatability=%s spearman_ste=%s low_repeatability=%s high_repeatability=%s low_cosine_ste=%s"
                        + " high_cosine_ste=%s points=%d", fmt(rhoRep), fmt(rhoSte), fmt(lowRep[0]), fmt(highRep[0]), fmt(lowSte[0]),
                fmt(highSte[0]), usable.size()));
        figure(c, withRepeat, false, "cdg_crossings_repeatability", "CDG repeatability over batches vs level crossings",
                "cosine with the same CDG setting on the model's other batches");
        figure(c, withSte, true, "cdg_crossings_ste", "CDG agreement with STE vs level crossings", "cosine(CDG, STE), same model and batch");
        c.table(Questions.SECTION, "CDG per layer: level crossings per coordinate, cosine with STE, repeatability over batches", t);
    }

    private static void figure(ReportContext c, List<Point> pts, boolean ste, String name, String title, String y) throws IOException {
        if (pts.isEmpty()) {
            return;
        }
        XYChart chart = Figures.lines(title, "level crossings per coordinate (rows whose unit changes level; log)", y);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setXAxisDecimalPattern("0.##E0");
        chart.getStyler().setYAxisDecimalPattern("0.##");
        Map<String, List<Point>> series = new TreeMap<>();
        // a log axis has no place for 0 crossings: those points sit at a tenth of the smallest positive count, said in the caption
        double floor = pts.stream().mapToDouble(Point::crossings).filter(x -> x > 0).min().orElse(1) / 10;
        pts.forEach(x -> series.computeIfAbsent(x.activation() + " eps=" + x.eps() + " dim=" + x.dim(), k -> new ArrayList<>()).add(x));
        int colour = 0;
        for (Map.Entry<String, List<Point>> s : series.entrySet()) {
            XYSeries xy = chart.addSeries(s.getKey(), s.getValue().stream().mapToDouble(x -> Math.max(x.crossings(), floor)).toArray(),
                    s.getValue().stream().mapToDouble(x -> ste ? x.ste() : x.repeat()).toArray());
            xy.setMarker(SeriesMarkers.CIRCLE);
            xy.setMarkerColor(Figures.PALETTE[colour++ % Figures.PALETTE.length]);
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

    private static String cell(double[] band) {
        return Double.isNaN(band[0]) ? "(no points)" : String.format(Locale.ROOT, "%.2f (%d points)", band[0], (long) band[1]);
    }

    private static String trend(double rho) {
        return Double.isNaN(rho) ? "cannot be related to" : rho >= 0.3 ? "rises with" : rho <= -0.3 ? "falls with" : "does not follow";
    }

    private static String meaning(double[] low, double[] high) {
        if (Double.isNaN(low[0]) || Double.isNaN(high[0])) {
            return "The run does not span both ends of the crossings scale; vary eps or the batch size to see both.";
        }
        return low[0] < 0.5 && high[0] >= 0.5
                ? "Where coordinates rest on less than one crossing, CDG measures the noise of the few rows that flip, not a slope."
                : low[0] >= 0.5 ? "Even coordinates with less than one crossing repeat across batches here."
                : "Repeatability stays low even with many crossings: CDG is noisy at these settings throughout.";
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

    /** Spearman's rank correlation (average ranks for ties); NaN for fewer than 3 points or a constant side. */
    static double spearman(double[] x, double[] y) {
        if (x.length < 3) {
            return Double.NaN;
        }
        double[] rx = ranks(x);
        double[] ry = ranks(y);
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += rx[i] / x.length;
            my += ry[i] / x.length;
        }
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    private static double[] ranks(double[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, Comparator.comparingDouble(i -> v[i]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[idx[j + 1]] == v[idx[i]]) {
                j++;
            }
            for (int k = i; k <= j; k++) {
                r[idx[k]] = (i + j) / 2.0;
            }
            i = j + 1;
        }
        return r;
    }
}
