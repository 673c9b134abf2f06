package bitgrad.pipelines.extending;

import bitgrad.pipelines.report.Part;
import bitgrad.pipelines.report.ReportContext;
import bitgrad.schemas.ColumnTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** A figure plugged in from outside the report package: the weight norms of {@link WeightNormsStage}, one bar per tensor. */
public final class WeightNormsPart implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> keys = c.keys("weight-norms");
        if (keys.isEmpty()) {
            return; // a run without the extension: nothing to draw
        }
        ColumnTable all = null;
        for (String key : keys) {
            ColumnTable t = c.table("weight-norms", key, WeightNormsStage.NORMS.file());
            all = all == null ? t : all.addAll(t);
        }
        CategoryChart chart = new CategoryChartBuilder().width(900).height(520).title("Weight norms at init").xAxisTitle("tensor")
                .yAxisTitle("p-norm").build();
        List<String> names = new ArrayList<>();
        List<Number> norms = new ArrayList<>();
        for (int r = 0; r < all.rows(); r++) {
            names.add(all.string("tensor", r) + " #" + r);
            norms.add(all.getDouble("norm", r));
        }
        chart.addSeries("norm", names, norms);
        c.figure("weight-norms", chart, "weight_norms", "Weight norms at init", "The p-norm of every tensor of every initialised model.");
        c.table("weight-norms", "Weight norms at init", all);
    }
}
