package bitgrad.pipelines.report;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.knowm.xchart.CategoryChart;

/** The gradient mismatch: cosine(CDG, STE) per layer for every activation, as bars and as a table (and headlines when activations vary). */
final class Mismatch implements Part {

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
        Map<String, Map<String, Map<String, double[]>>> byEps = new TreeMap<>();
        Map<String, double[]> table = new TreeMap<>();
        Set<String> activations = new TreeSet<>();
        for (int r = 0; r < cosine.rows(); r++) {
            activations.add(cosine.string("activation", r));
            CdgEstimator cdg = cdgVsSte(cosine, r);
            if (cdg == null) {
                continue;
            }
            if (!cosine.string("tensor", r).equals("all")) {
                String layer = cosine.string("tensor", r).replace(".weight", "");
                double[] acc = byEps.computeIfAbsent(cdg.label(), x -> new TreeMap<>()).computeIfAbsent(layer, x -> new LinkedHashMap<>())
                        .computeIfAbsent(cosine.string("activation", r), x -> new double[2]);
                acc[0] += cosine.getDouble("cosine", r);
                acc[1]++;
            }
            double[] t = table.computeIfAbsent(cosine.string("activation", r) + "|" + cdg.eps() + "|" + cosine.getLong("dim", r) + "|"
                    + cosine.string("tensor", r), x -> new double[2]);
            t[0] += cosine.getDouble("cosine", r);
            t[1]++;
        }
        if (table.isEmpty()) {
            return;
        }
        int n = 0;
        for (Map.Entry<String, Map<String, Map<String, double[]>>> e : byEps.entrySet()) {
            CategoryChart chart = Figures.bars("Gradient mismatch: cosine(" + e.getKey() + ", STE) per layer", "activation", "cosine(CDG, STE)");
            for (Map.Entry<String, Map<String, double[]>> layer : e.getValue().entrySet()) {
                chart.addSeries(layer.getKey(), new ArrayList<>(layer.getValue().keySet()),
                        layer.getValue().values().stream().map(x -> (Number) (x[0] / x[1])).toList());
            }
            c.figure("lr-sweep", chart, "mismatch_" + (n++), "cosine(" + e.getKey() + ", STE) per layer",
                    "Near 1 means STE points where finite differences do; identity (FP) activations must give about 1.");
        }
        ColumnTable t = Tables.MISMATCH.empty();
        table.forEach((k, v) -> {
            String[] p = k.split("\\|");
            t.add(p[0], Double.parseDouble(p[1]), Long.parseLong(p[2]), p[3], v[0] / v[1], (long) v[1]);
        });
        c.table("lr-sweep", "Gradient mismatch: cosine(CDG, STE) per layer", t);
        if (activations.size() > 1) {
            Map<String, double[]> lines = new LinkedHashMap<>();
            for (int r = 0; r < t.rows(); r++) {
                if (t.string("layer", r).equals("all")) {
                    continue;
                }
                String k = String.format(Locale.ROOT, "activation=%s eps=%s layer=%s", t.string("activation", r), t.get("eps", r),
                        t.string("layer", r).replace("layer", "").replace(".weight", ""));
                double[] acc = lines.computeIfAbsent(k, x -> new double[2]);
                acc[0] += t.getDouble("cosine_cdg_ste", r) * t.getLong("repeats", r);
                acc[1] += t.getLong("repeats", r);
            }
            lines.forEach((k, v) -> c.headline("lr-sweep", String.format(Locale.ROOT, "mismatch %s cosine=%.4f", k, v[0] / v[1])));
        }
    }
}
