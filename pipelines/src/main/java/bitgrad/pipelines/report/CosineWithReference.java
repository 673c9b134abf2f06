package bitgrad.pipelines.report;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.schemas.ColumnTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;

/** Mean overall cosine of each estimator with the reference (CDG with the smallest eps, else STE). */
final class CosineWithReference implements Part {

    /** The reference estimator: CDG with the smallest eps, else STE. */
    static Estimator reference(ColumnTable cosine) {
        Estimator best = new SteEstimator();
        double eps = Double.MAX_VALUE;
        for (int r = 0; r < cosine.rows(); r++) {
            for (String col : List.of("a_spec", "b_spec")) {
                if (Cells.spec(cosine, col, r) instanceof CdgEstimator cdg && cdg.eps() < eps) {
                    eps = cdg.eps();
                    best = cdg;
                }
            }
        }
        return best;
    }

    @Override
    public void render(ReportContext c) throws IOException {
        ColumnTable cosine = c.cosines();
        if (cosine == null) {
            return;
        }
        Estimator refSpec = reference(cosine);
        String ref = refSpec.label();
        Map<String, Map<String, Map<String, double[]>>> byVariant = new TreeMap<>();
        for (int r = 0; r < cosine.rows(); r++) {
            if (!cosine.string("tensor", r).equals("all")) {
                continue;
            }
            boolean isA = Cells.spec(cosine, "a_spec", r).equals(refSpec);
            if (!isA && !Cells.spec(cosine, "b_spec", r).equals(refSpec)) {
                continue;
            }
            String other = isA ? cosine.string("b", r) : cosine.string("a", r);
            String v = Cells.variant(cosine.string("activation", r), cosine.getLong("rows", r), cosine.getLong("pretrained", r));
            double[] acc = byVariant.computeIfAbsent(v, x -> new TreeMap<>()).computeIfAbsent("dim=" + cosine.getLong("dim", r),
                    x -> new LinkedHashMap<>()).computeIfAbsent(other, x -> new double[2]);
            acc[0] += cosine.getDouble("cosine", r);
            acc[1]++;
        }
        int n = 0;
        for (Map.Entry<String, Map<String, Map<String, double[]>>> v : byVariant.entrySet()) {
            CategoryChart chart = Figures.bars("Cosine with " + ref + ", " + v.getKey(), "estimator", "cosine similarity (mean over repeats)");
            for (Map.Entry<String, Map<String, double[]>> d : v.getValue().entrySet()) {
                chart.addSeries(d.getKey(), new ArrayList<>(d.getValue().keySet()),
                        d.getValue().values().stream().map(x -> (Number) (x[0] / x[1])).toList());
            }
            c.figure("lr-sweep", chart, "cosine_" + (n++), "Agreement with " + ref + ": " + v.getKey(),
                    "Cosine between each estimate and the reference on the same model and batch, all layers together.");
        }
    }
}
