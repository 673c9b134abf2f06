package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.knowm.xchart.CategoryChart;

/**
 * Every estimator's cosine with every CDG eps (no single "reference": on a sign network the finest
 * eps is the noisiest), per tensor and over all tensors of the normalised directions, with the
 * mean and spread over repeats; one figure per (variant, CDG eps), one series per dim.
 */
final class CosineWithReference implements Part {

    /** Report table: every estimator's cosine with every CDG eps, per tensor and over all (normalised), mean and spread over repeats. */
    static final Tables.Schema COSINE_WITH_CDG = new Tables.Schema("cosine_with_cdg", new Object[] {"variant", STRING, "dim", LONG, "reference", STRING,
            "estimator", STRING, "estimator_spec", STRING, "tensor", STRING, "cosine_mean", DOUBLE, "cosine_sd", DOUBLE, "repeats", LONG});

    @Override
    public void render(ReportContext c) throws IOException {
        ColumnTable cosine = c.cosines();
        if (cosine == null) {
            return;
        }
        // (variant, reference, dim, estimator, tensor) -> cosines over repeats
        Map<List<Object>, List<Double>> cells = new LinkedHashMap<>();
        Map<List<Object>, String> specs = new LinkedHashMap<>();
        for (int r = 0; r < cosine.rows(); r++) {
            Estimator a = Cells.spec(cosine, "a_spec", r);
            Estimator b = Cells.spec(cosine, "b_spec", r);
            String v = Cells.variant(cosine.string("activation", r), cosine.getLong("rows", r), cosine.getLong("pretrained", r));
            for (int side = 0; side < 2; side++) {
                Estimator ref = side == 0 ? a : b;
                if (!(ref instanceof CdgEstimator)) {
                    continue;
                }
                String other = cosine.string(side == 0 ? "b" : "a", r);
                List<Object> k = List.of(v, ref.label(), cosine.getLong("dim", r), other, cosine.string("tensor", r));
                cells.computeIfAbsent(k, x -> new ArrayList<>()).add(cosine.getDouble("cosine", r));
                specs.put(k, cosine.string(side == 0 ? "b_spec" : "a_spec", r));
            }
        }
        if (cells.isEmpty()) {
            return;
        }
        ColumnTable table = COSINE_WITH_CDG.empty();
        // (variant, reference) -> dim -> estimator -> (mean, sd)
        Map<String, Map<Long, Map<String, double[]>>> figures = new TreeMap<>();
        cells.forEach((k, vals) -> {
            double mean = Cells.Cell.mean(vals);
            double sd = Cells.Cell.sd(vals);
            table.add(k.get(0), k.get(2), k.get(1), k.get(3), specs.get(k), k.get(4), mean, sd, (long) vals.size());
            if (k.get(4).equals("all")) {
                figures.computeIfAbsent(k.get(0) + "|" + k.get(1), x -> new TreeMap<>())
                        .computeIfAbsent((Long) k.get(2), x -> new LinkedHashMap<>()).put((String) k.get(3), new double[] {mean, sd});
            }
        });
        c.table("lr-sweep", "Cosine with every CDG eps, per tensor and all (mean, sd over repeats)", table);
        int n = 0;
        for (Map.Entry<String, Map<Long, Map<String, double[]>>> f : figures.entrySet()) {
            String[] vr = f.getKey().split("\\|");
            // one chart per set of estimators: a bar chart needs every series on the same categories, and dims measured for a
            // few estimators only (questions.nes_dims) have fewer
            Map<List<String>, List<Map.Entry<Long, Map<String, double[]>>>> groups = new LinkedHashMap<>();
            f.getValue().entrySet().forEach(d -> groups.computeIfAbsent(List.copyOf(d.getValue().keySet()), k -> new ArrayList<>()).add(d));
            for (Map.Entry<List<String>, List<Map.Entry<Long, Map<String, double[]>>>> g : groups.entrySet()) {
                CategoryChart chart = Figures.bars("Cosine with " + vr[1] + ", " + vr[0], "estimator",
                        "cosine, all tensors (mean ± sd over repeats)");
                for (Map.Entry<Long, Map<String, double[]>> d : g.getValue()) {
                    chart.addSeries("dim=" + d.getKey(), g.getKey(), d.getValue().values().stream().map(m -> (Number) m[0]).toList(),
                            d.getValue().values().stream().map(m -> (Number) m[1]).toList());
                }
                c.figure("lr-sweep", chart, "cosine_" + (n++), "Agreement with " + vr[1] + ": " + vr[0],
                        "Cosine between each estimate and CDG at this eps on the same model and batch, over all tensors of the"
                                + " per-tensor-normalised directions (the steps the lr sweep takes); error bars: sd over repeats."
                                + " Per-layer values in the table.");
            }
        }
    }
}
