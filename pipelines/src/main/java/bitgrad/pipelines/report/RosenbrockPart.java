package bitgrad.pipelines.report;

import bitgrad.models.estimators.Estimators;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.RosenbrockStage;
import bitgrad.transforms.SummaryStage;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;

/** Rosenbrock descents: f and the cosine with the analytic gradient against the step, the end of every descent, headlines. */
final class RosenbrockPart implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> keys = c.keys("rosenbrock");
        if (keys.isEmpty()) {
            return;
        }
        List<String> names = new ArrayList<>();
        List<ColumnTable> paths = new ArrayList<>();
        for (String k : keys) {
            JsonNode p = c.params("rosenbrock", k);
            names.add(Estimators.decode(p.path("estimator")).label() + " start " + p.path("start").asInt());
            paths.add(c.table("rosenbrock", k, RosenbrockStage.TRAJECTORY.file()));
        }
        XYChart f = Figures.lines("Rosenbrock descent with estimated gradients", "step", "f(x) (log scale)");
        f.getStyler().setXAxisDecimalPattern("0");
        f.getStyler().setYAxisLogarithmic(true);
        XYChart cos = Figures.lines("Rosenbrock: agreement with the analytic gradient", "step", "cosine(estimate, analytic gradient)");
        cos.getStyler().setXAxisDecimalPattern("0");
        cos.getStyler().setYAxisDecimalPattern("0.####");
        for (int i = 0; i < paths.size(); i++) {
            ColumnTable t = paths.get(i);
            double[] x = new double[t.rows()];
            double[] y = new double[t.rows()];
            List<Double> cx = new ArrayList<>();
            List<Double> cy = new ArrayList<>();
            for (int r = 0; r < t.rows(); r++) {
                x[r] = t.getLong("step", r);
                y[r] = Math.max(1e-12, t.getDouble("f", r));
                if (t.get("cosine", r) != null) {
                    cx.add((double) t.getLong("step", r));
                    cy.add(t.getDouble("cosine", r));
                }
            }
            Figures.line(f, names.get(i), x, y, i);
            Figures.line(cos, names.get(i), Figures.toArray(cx), Figures.toArray(cy), i);
        }
        c.figure("rosenbrock", f, "rosenbrock", "Rosenbrock: f vs step",
                "Descent from random integer starts in [-10, 10]; the minimum is f = 0 at all-ones.");
        c.figure("rosenbrock", cos, "rosenbrock_cosine", "Rosenbrock: cosine with the analytic gradient",
                "Near the minimum CDG's smoothing bias (about eps^2/6 times the third derivative) becomes as large as the gradient itself.");
        String summary = c.summaryKey();
        if (summary == null) {
            return;
        }
        ColumnTable ros = c.table("summary", summary, SummaryStage.ROSENBROCK.file());
        c.html("rosenbrock", Html.table(ros));
        for (int r = 0; r < ros.rows(); r++) {
            c.headline("rosenbrock", String.format(Locale.ROOT,
                    "rosenbrock start=%d estimator=%s final_f=%.6g distance_to_min=%.6g mean_cosine=%.6f", ros.getLong("start", r),
                    ros.string("estimator", r), ros.getDouble("final_f", r), ros.getDouble("distance_to_min", r),
                    ros.get("mean_cosine", r) == null ? Double.NaN : ros.getDouble("mean_cosine", r)));
        }
    }
}
