package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.schemas.ColumnTable;
import bitgrad.models.estimators.Pretrainer;
import bitgrad.schemas.Tables;
import bitgrad.transforms.PretrainStage;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.knowm.xchart.XYChart;

/** The training loss of every pretrained evaluate model. */
final class PretrainPart implements Part {

    /** Report table: whether each pretraining had plateaued (relative decrease over its last 10% of steps) or ended on a spike. */
    static final Tables.Schema PRETRAIN_PLATEAU = new Tables.Schema("pretrain_plateau", new Object[] {"dim", LONG, "model", LONG, "steps", LONG, "final_loss",
            DOUBLE, "last_tenth_relative_decrease", DOUBLE, "plateaued", STRING, "ends_on_spike", STRING});


    /** The training losses of pretrain task {@code key}, step by step. */
    static float[] losses(ReportContext c, String key) throws IOException {
        ColumnTable t = c.table("pretrain", key, PretrainStage.CURVE.file());
        float[] losses = new float[t.rows()];
        for (int r = 0; r < t.rows(); r++) {
            losses[r] = (float) t.getDouble("loss", r);
        }
        return losses;
    }

    /** Bumped whenever what this part files changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 2;
    }

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> keys = c.keys("pretrain");
        if (keys.isEmpty()) {
            return;
        }
        XYChart chart = Figures.lines("STE pretraining", "step", "training loss (MSE to the teacher, log scale)");
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
        ColumnTable plateau = PRETRAIN_PLATEAU.empty();
        int n = 0;
        for (String k : keys) {
            JsonNode p = c.params("pretrain", k);
            float[] losses = losses(c, k);
            double rel = Pretrainer.Result.lastTenthRelativeDecrease(losses);
            boolean plateaued = Pretrainer.Result.plateaued(losses);
            boolean spike = Pretrainer.Result.endsOnSpike(losses);
            plateau.add((long) p.path("model").path("dim").asInt(), (long) n, (long) losses.length,
                    losses.length == 0 ? null : (double) losses[losses.length - 1], rel, plateaued ? "yes" : "NO", spike ? "SPIKE" : "");
            c.headline("pretrain", String.format(java.util.Locale.ROOT, "pretrain dim=%d model=%d steps=%d final_loss=%.6g "
                    + "last_tenth_relative_decrease=%.4f plateaued=%b ends_on_spike=%b", p.path("model").path("dim").asInt(), n,
                    losses.length, losses.length == 0 ? Double.NaN : losses[losses.length - 1], rel, plateaued, spike));
            n++;
        }
        c.table("pretrain", "Did pretraining converge? (relative loss decrease over the last 10% of the steps; within 1% either way is a plateau)",
                plateau);
    }
}
