package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.CategoryChart;

/**
 * The gradient mismatch: cosine(CDG, STE) per hidden layer and their mean for every activation,
 * eps and dim (never averaged across dims), the output layer apart (its cosine is 1 by
 * construction), with the spread over repeats and the level crossings each CDG
 * coordinate rests on; bars with error bars, a table, and headlines when activations vary.
 */
final class Mismatch implements Part {

    /**
     * Report table: per (activation, dim, normalised or not, hidden layer, level), the share of the
     * layer's outputs at that level at init (mean over inits, on a Gaussian batch) and the layer's
     * pre-activation std.
     */
    static final Tables.Schema LEVEL_OCCUPANCY = new Tables.Schema("level_occupancy", new Object[] {"activation", STRING, "dim", LONG, "normalized", LONG,
            "layer", STRING, "level", DOUBLE, "share", DOUBLE, "pre_activation_std", DOUBLE, "inits", LONG});
    /**
     * Report table: cosine(CDG, STE) per activation, eps, dim and layer (mean, sd over repeats) and
     * the mean number of rows whose perturbed unit changes level per coordinate and sign (and as a
     * fraction of the rows).
     */
    static final Tables.Schema MISMATCH = new Tables.Schema("mismatch", new Object[] {"activation", STRING, "eps", DOUBLE, "dim", LONG, "layer", STRING,
            "cosine_cdg_ste", DOUBLE, "cosine_sd", DOUBLE, "repeats", LONG, "crossings_per_coordinate", DOUBLE, "crossing_fraction",
            DOUBLE});

    /** Bumped whenever what this part files changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 5;
    }

    /** The CDG estimator of a row that pairs CDG with STE, else null. */
    static CdgEstimator cdgVsSte(ColumnTable cosine, int r) {
        Estimator a = Cells.spec(cosine, "a_spec", r);
        Estimator b = Cells.spec(cosine, "b_spec", r);
        return a instanceof CdgEstimator ca && b instanceof SteEstimator ? ca
                : b instanceof CdgEstimator cb && a instanceof SteEstimator ? cb : null;
    }

    @Override
    public void render(ReportContext c) throws IOException {
        ColumnTable cosine = c.cosines();
        if (cosine == null) {
            return;
        }
        // (activation, eps, dim, layer) -> cosines over repeats; the whole-model cosine is left out (it mixes in the output layer)
        Map<List<Object>, List<Double>> cells = new TreeMap<>(Mismatch::compare);
        // (activation, eps, dim) -> the output layer's index; (activation, eps, dim, init, batch) -> layer -> cosine
        Map<List<Object>, Integer> output = new TreeMap<>(Mismatch::compare);
        Map<List<Object>, Map<Integer, Double>> byRepeat = new TreeMap<>(Mismatch::compare);
        Set<String> activations = new TreeSet<>();
        for (int r = 0; r < cosine.rows(); r++) {
            activations.add(cosine.string("activation", r));
            CdgEstimator cdg = cdgVsSte(cosine, r);
            String layer = layer(cosine.string("tensor", r));
            if (cdg == null || !layer.startsWith("layer")) {
                continue;
            }
            int index = Integer.parseInt(layer.substring("layer".length()));
            List<Object> at = List.of(cosine.string("activation", r), cdg.eps(), cosine.getLong("dim", r));
            output.merge(at, index, Math::max);
            byRepeat.computeIfAbsent(List.of(at.get(0), at.get(1), at.get(2), cosine.getLong("init", r), cosine.getLong("batch", r)),
                    x -> new TreeMap<>()).put(index, cosine.getDouble("cosine", r));
        }
        // per repeat: each hidden layer, their mean, and the output layer apart (its cosine is 1 by construction: the loss is
        // quadratic in it, so CDG's central difference is exact, and STE's gradient there involves no quantizer)
        byRepeat.forEach((k, layers) -> {
            List<Object> at = List.of(k.get(0), k.get(1), k.get(2));
            int out = output.get(at);
            List<Double> hidden = new ArrayList<>();
            layers.forEach((l, cos) -> {
                String name = l == out ? "output (layer" + l + ")" : "layer" + l;
                cells.computeIfAbsent(List.of(at.get(0), at.get(1), at.get(2), name), x -> new ArrayList<>()).add(cos);
                if (l != out) {
                    hidden.add(cos);
                }
            });
            if (!hidden.isEmpty()) {
                cells.computeIfAbsent(List.of(at.get(0), at.get(1), at.get(2), "hidden mean"), x -> new ArrayList<>())
                        .add(Cells.Cell.mean(hidden));
            }
        });
        if (cells.isEmpty()) {
            return;
        }
        Map<List<Object>, double[]> crossings = crossings(c);
        ColumnTable t = MISMATCH.empty();
        // (eps, dim) -> activation -> layer -> (mean, sd)
        Map<String, Map<String, Map<String, double[]>>> figures = new TreeMap<>();
        cells.forEach((k, v) -> {
            double[] x = k.get(3).toString().startsWith("layer") ? crossings.get(k) : null;
            t.add(k.get(0), k.get(1), k.get(2), k.get(3), Cells.Cell.mean(v), Cells.Cell.sd(v), (long) v.size(),
                    x == null ? null : x[0] / x[2], x == null ? null : x[1] / x[2]);
            if (k.get(3).toString().startsWith("layer")) {
                figures.computeIfAbsent(String.format(Locale.ROOT, "eps=%s dim=%d", k.get(1), (Long) k.get(2)), y -> new TreeMap<>())
                        .computeIfAbsent((String) k.get(0), y -> new LinkedHashMap<>())
                        .put((String) k.get(3), new double[] {Cells.Cell.mean(v), Cells.Cell.sd(v)});
            }
        });
        // at one width (the mismatch-table preset) the per-layer table and figures are what the run is for: they lead the page;
        // across widths the best decrease against width leads, and these stay with the sweeps
        java.util.Set<Long> dims = new java.util.HashSet<>();
        for (int r = 0; r < t.rows(); r++) {
            dims.add(t.getLong("dim", r));
        }
        String section = dims.size() == 1 ? ReportPage.LEAD : "lr-sweep";
        int n = 0;
        for (Map.Entry<String, Map<String, Map<String, double[]>>> f : figures.entrySet()) {
            // the axis starts near the smallest bar, so that cosines of 0.92 and 0.96 do not both look like 1; where it does not
            // start at 0 the axis title says from where (bar lengths are then differences from that baseline, not cosines)
            double low = f.getValue().values().stream().flatMap(m -> m.values().stream()).mapToDouble(m -> m[0] - m[1]).min()
                    .orElse(0);
            double base = low < 0 ? Math.max(-1, Math.floor(low * 10) / 10) : low >= 0.5 ? Math.floor(low * 10) / 10 : 0;
            CategoryChart chart = Figures.bars("Gradient mismatch: cosine(CDG, STE) per layer, " + f.getKey(), "layer (0 = first)",
                    "cosine(CDG, STE), mean ± sd over repeats" + (base > 0 ? String.format(Locale.ROOT, " (axis from %.1f, not 0)", base) : ""));
            chart.getStyler().setYAxisMin(base);
            chart.getStyler().setYAxisMax(1.0);
            for (Map.Entry<String, Map<String, double[]>> act : f.getValue().entrySet()) {
                chart.addSeries(act.getKey(), new ArrayList<>(act.getValue().keySet()),
                        act.getValue().values().stream().map(m -> (Number) m[0]).toList(),
                        act.getValue().values().stream().map(m -> (Number) m[1]).toList());
            }
            c.figure(section, chart, "mismatch_" + (n++), "cosine(CDG, STE) per hidden layer, " + f.getKey(),
                    "Near 1 means STE points where finite differences do; identity (FP) activations must give about 1 (where the"
                            + " axis does not start at 0 its title says so). The output layer is not drawn: its cosine is 1 by"
                            + " construction (the loss is quadratic in it). The table"
                            + " gives the level crossings each CDG coordinate rests on: a few crossings make CDG noise.");
        }
        occupancy(c);
        c.table(section, "Gradient mismatch: cosine(CDG, STE) per hidden layer and their mean; the output layer apart (its cosine"
                + " is 1 by construction: the loss is quadratic in it, so it is in no average); the level crossings per CDG coordinate", t);
        if (activations.size() > 1) {
            for (int r = 0; r < t.rows(); r++) {
                if (!t.string("layer", r).startsWith("layer")) {
                    continue; // the hidden layers one by one: the mean is theirs, the output layer says nothing
                }
                c.headline("lr-sweep", String.format(Locale.ROOT,
                        "mismatch dim=%d activation=%s eps=%s layer=%s cosine=%.4f sd=%.4f repeats=%d crossings_per_coordinate=%s",
                        t.getLong("dim", r), t.string("activation", r), t.get("eps", r), t.string("layer", r).replace("layer", ""),
                        t.getDouble("cosine_cdg_ste", r), t.getDouble("cosine_sd", r), t.getLong("repeats", r),
                        t.get("crossings_per_coordinate", r) == null ? "none"
                                : String.format(Locale.ROOT, "%.4g", t.getDouble("crossings_per_coordinate", r))));
            }
        }
    }

    /**
     * The level occupancy per hidden layer at init, from each init's record (mean over inits): how
     * evenly the quantizer's levels are used, raw or with model.normalize.
     */
    private static void occupancy(ReportContext c) throws IOException {
        // (activation, dim, normalized, layer, level) -> shares; (activation, dim, normalized, layer) -> stds
        Map<List<Object>, List<Double>> shares = new TreeMap<>(Mismatch::compare);
        Map<List<Object>, List<Double>> stds = new TreeMap<>(Mismatch::compare);
        for (String k : c.keys("init-models")) {
            Map<String, Object> info = c.info("init-models", k);
            if (!(info.get("occupancy") instanceof List<?> layers) || !(info.get("pre_activation_std") instanceof List<?> std)) {
                continue; // cached before the record gave it
            }
            JsonNode p = c.params("init-models", k);
            String activation = p.path("model").path("activation").asText();
            long dim = p.path("model").path("dim").asLong();
            long normalized = p.path("normalize").asBoolean(false) ? 1 : 0;
            for (int l = 0; l < layers.size(); l++) {
                if (layers.get(l) instanceof Map<?, ?> levels) {
                    for (Map.Entry<?, ?> e : levels.entrySet()) {
                        shares.computeIfAbsent(List.of(activation, dim, normalized, "layer" + l, Double.parseDouble(e.getKey().toString())),
                                x -> new ArrayList<>()).add(((Number) e.getValue()).doubleValue());
                    }
                }
                stds.computeIfAbsent(List.of(activation, dim, normalized, "layer" + l), x -> new ArrayList<>())
                        .add(((Number) std.get(l)).doubleValue());
            }
        }
        if (shares.isEmpty()) {
            return;
        }
        ColumnTable t = LEVEL_OCCUPANCY.empty();
        shares.forEach((k, v) -> {
            List<Double> s = stds.get(List.of(k.get(0), k.get(1), k.get(2), k.get(3)));
            t.add(k.get(0), k.get(1), k.get(2), k.get(3), k.get(4), Cells.Cell.mean(v), Cells.Cell.mean(s), (long) s.size());
        });
        c.table("lr-sweep", "Level occupancy per hidden layer at init: the share of outputs at each level (mean over inits) and the"
                + " layer's pre-activation std; normalized = 1: model.normalize put each pre-activation at unit std (the quantizer's"
                + " thresholds then act on normalised inputs)", t);
    }

    /** (activation, eps, dim, layer) -> (sum of crossings per coordinate, sum of crossing fractions, count) over CDG estimates. */
    private static Map<List<Object>, double[]> crossings(ReportContext c) {
        Map<List<Object>, double[]> out = new TreeMap<>(Mismatch::compare);
        for (String k : c.keys("estimate")) {
            JsonNode p = c.params("estimate", k);
            if (!(Estimators.decode(p.path("estimator")) instanceof CdgEstimator cdg)) {
                continue;
            }
            Map<String, Object> info = c.info("estimate", k);
            if (!(info.get("crossings") instanceof List<?> per) || !(info.get("rows") instanceof Number rows)) {
                continue;
            }
            String activation = p.path("model").path("activation").asText();
            long dim = p.path("model").path("dim").asLong();
            for (int l = 0; l < per.size(); l++) {
                if (per.get(l) instanceof Number x) {
                    double[] acc = out.computeIfAbsent(List.of(activation, cdg.eps(), dim, "layer" + l), y -> new double[3]);
                    acc[0] += x.doubleValue();
                    acc[1] += x.doubleValue() / rows.doubleValue();
                    acc[2]++;
                }
            }
        }
        return out;
    }

    private static String layer(String tensor) {
        return tensor.replace(".weight", "");
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compare(List<Object> a, List<Object> b) {
        for (int i = 0; i < a.size(); i++) {
            int c = ((Comparable) a.get(i)).compareTo(b.get(i));
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }
}
