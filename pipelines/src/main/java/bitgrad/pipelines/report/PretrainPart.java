package bitgrad.pipelines.report;

import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.PretrainStage;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.knowm.xchart.XYChart;

/** The training loss of every pretrained evaluate model. */
final class PretrainPart implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> keys = c.keys("pretrain");
        if (keys.isEmpty()) {
            return;
        }
        XYChart chart = Figures.lines("STE pretraining", "step", "training loss (MSE to the teacher, log scale)");
        chart.getStyler().setXAxisDecimalPattern("0");
        chart.getStyler().setYAxisLogarithmic(true);
        int i = 0;
        for (String k : keys) {
            JsonNode model = c.params("pretrain", k).path("model");
            ColumnTable t = c.table("pretrain", k, PretrainStage.CURVE.file());
            double[] x = new double[t.rows()];
            double[] y = new double[t.rows()];
            for (int r = 0; r < t.rows(); r++) {
                x[r] = t.getLong("step", r);
                y[r] = Math.max(1e-12, t.getDouble("loss", r));
            }
            if (t.rows() > 0) {
                Figures.line(chart, "dim=" + model.path("dim").asInt() + " " + model.path("activation").asText() + " #" + i, x, y, i);
            }
            i++;
        }
        c.figure("pretrain", chart, "pretrain", "Pretraining loss", "Training loss of each pretrained evaluate model.");
    }
}
