package bitgrad.pipelines.report;

import bitgrad.models.estimators.Estimators;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.GradCheckStage;
import bitgrad.transforms.RosenbrockStage;
import bitgrad.transforms.SummaryStage;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;

/**
 * Rosenbrock: the gradient check (error against eps and N on log-log axes, fitted slopes), the
 * descents (f and cosine with the analytic gradient against the step), the end of every descent,
 * headlines.
 */
final class RosenbrockPart implements Part {

    @Override
    public void render(ReportContext c) throws IOException {
        for (String k : c.keys("gradcheck")) {
            gradcheck(c, k);
        }
        List<String> keys = c.keys("rosenbrock");
        if (keys.isEmpty()) {
            return;
        }
        Map<String, List<String>> byOptimizer = new LinkedHashMap<>();
        for (String k : keys) {
            byOptimizer.computeIfAbsent(c.params("rosenbrock", k).path("optimizer").asText(), o -> new ArrayList<>()).add(k);
        }
        for (Map.Entry<String, List<String>> o : byOptimizer.entrySet()) {
            descents(c, o.getKey(), o.getValue());
        }
        String summary = c.summaryKey();
        if (summary == null) {
            return;
        }
        ColumnTable ros = c.table("summary", summary, SummaryStage.ROSENBROCK.file());
        c.html("rosenbrock", Html.table(ros));
        for (int r = 0; r < ros.rows(); r++) {
            c.headline("rosenbrock", String.format(Locale.ROOT,
                    "rosenbrock start=%d estimator=%s optimizer=%s steps=%d final_f=%.6g distance_to_min=%.6g final_cosine=%.6f",
                    ros.getLong("start", r), ros.string("estimator", r), ros.string("optimizer", r), ros.getLong("steps", r),
                    ros.getDouble("final_f", r), ros.getDouble("distance_to_min", r),
                    ros.get("final_cosine", r) == null ? Double.NaN : ros.getDouble("final_cosine", r)));
        }
    }

    /** One panel pair (f, cosine) per optimizer: their scales differ by decades. */
    private static void descents(ReportContext c, String optimizer, List<String> keys) throws IOException {
        XYChart f = Figures.lines("Rosenbrock descent with " + optimizer + " (float64)", "step (thousands)", "f(x) (log scale)");
        f.getStyler().setYAxisLogarithmic(true);
        XYChart cos = Figures.lines("Rosenbrock with " + optimizer + ": agreement with the analytic gradient", "step (thousands)",
                "cosine(estimate, analytic gradient)");
        int i = 0;
        for (String k : keys) {
            JsonNode p = c.params("rosenbrock", k);
            String name = Estimators.decode(p.path("estimator")).label() + " start " + p.path("start").asInt();
            ColumnTable t = c.table("rosenbrock", k, RosenbrockStage.TRAJECTORY.file());
            List<Double> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            List<Double> cx = new ArrayList<>();
            List<Double> cy = new ArrayList<>();
            for (int r = 0; r < t.rows(); r++) {
                double step = t.getLong("step", r) / 1000.0;
                x.add(step);
                y.add(Math.max(1e-16, t.getDouble("f", r)));
                if (t.get("cosine", r) != null) {
                    cx.add(step);
                    cy.add(t.getDouble("cosine", r));
                }
            }
            Figures.line(f, name, Figures.toArray(x), Figures.toArray(y), i);
            Figures.line(cos, name, Figures.toArray(cx), Figures.toArray(cy), i);
            i++;
        }
        String note = optimizer.equals("sgd")
                ? " Plain gradient descent needs an lr below 2 / (largest curvature at the start), about 1e-5 from these starts,"
                        + " and then crawls along the curved valley: it checks the gradient's scale, not convergence."
                : optimizer.equals("adam") ? " Adam's steps are about lr per coordinate, so f falls in stages as the lr halves"
                        + " (values below 1e-16 drawn at 1e-16)." : "";
        c.figure("rosenbrock", f, "rosenbrock_" + optimizer, "Rosenbrock (" + optimizer + "): f vs step",
                "Float64 descent from random integer starts in [-10, 10]; the minimum is f = 0 at all-ones. eps (CDG) and sigma"
                        + " (NES) decay with the lr down to rosenbrock.perturbation_floor: with a fixed eps CDG would stop at the"
                        + " minimum of f + 200 eps^2 sum a^2." + note);
        c.figure("rosenbrock", cos, "rosenbrock_cosine_" + optimizer, "Rosenbrock (" + optimizer + "): cosine with the analytic gradient",
                "With the decaying eps CDG's cosine stays near 1 to the end; NES's is limited by its samples (about"
                        + " 1 / sqrt(1 + n / N) for N samples in n coordinates).");
    }

    private static void gradcheck(ReportContext c, String key) throws IOException {
        ColumnTable e = c.table("gradcheck", key, GradCheckStage.ERRORS.file());
        ColumnTable slopes = c.table("gradcheck", key, GradCheckStage.SLOPES.file());
        XYChart cdg = Figures.lines("Gradient check: CDG's error against eps (float64)", "eps (log scale)",
                "|CDG - analytic| / |analytic| (log scale)");
        XYChart nes = Figures.lines("Gradient check: NES's error against samples (float64)", "samples N (log scale)",
                "|NES - analytic| / |analytic| (log scale)");
        for (XYChart chart : List.of(cdg, nes)) {
            chart.getStyler().setXAxisLogarithmic(true);
            chart.getStyler().setYAxisLogarithmic(true);
        }
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (int r = 0; r < e.rows(); r++) {
            boolean isCdg = e.string("family", r).equals("cdg");
            String name = isCdg ? "cdg at " + e.string("point", r)
                    : String.format(Locale.ROOT, "nes sigma=%s at %s", e.getDouble("sigma", r), e.string("point", r));
            double x = isCdg ? e.getDouble("eps", r) : e.getLong("samples", r);
            series.computeIfAbsent(name, n -> new ArrayList<>()).add(new double[] {x, e.getDouble("relative_error", r)});
        }
        int ci = 0;
        int ni = 0;
        for (Map.Entry<String, List<double[]>> s : series.entrySet()) {
            double[] x = s.getValue().stream().mapToDouble(v -> v[0]).toArray();
            double[] y = s.getValue().stream().mapToDouble(v -> Math.max(1e-16, v[1])).toArray();
            if (s.getKey().startsWith("cdg")) {
                Figures.line(cdg, s.getKey(), x, y, ci++);
            } else {
                Figures.line(nes, s.getKey(), x, y, ni++);
            }
        }
        List<Double> cdgSlopes = new ArrayList<>();
        Map<Double, List<Double>> nesSlopes = new LinkedHashMap<>();
        for (int r = 0; r < slopes.rows(); r++) {
            if (slopes.string("family", r).equals("cdg")) {
                cdgSlopes.add(slopes.getDouble("slope", r));
            } else {
                nesSlopes.computeIfAbsent(slopes.getDouble("sigma", r), s -> new ArrayList<>()).add(slopes.getDouble("slope", r));
            }
        }
        if (!cdgSlopes.isEmpty()) {
            c.figure("gradcheck", cdg, "gradcheck_cdg", "Gradient check: CDG error vs eps", String.format(Locale.ROOT,
                    "Central differences on this quartic err by exactly 400 eps^2 a on the odd coordinates: the error falls as"
                            + " eps^2. Fitted log-log slopes %s (expected 2; rows within 10x of float64 rounding left out).",
                    fmt(cdgSlopes)));
            c.headline("gradcheck", String.format(Locale.ROOT, "gradcheck estimator=cdg slope=%.3f min_slope=%.3f max_slope=%.3f points=%d",
                    median(cdgSlopes), cdgSlopes.stream().mapToDouble(v -> v).min().orElse(Double.NaN),
                    cdgSlopes.stream().mapToDouble(v -> v).max().orElse(Double.NaN), cdgSlopes.size()));
        }
        if (!nesSlopes.isEmpty()) {
            StringBuilder fitted = new StringBuilder();
            nesSlopes.forEach((sigma, v) -> fitted.append(String.format(Locale.ROOT, " sigma %s: %s;", sigma, fmt(v))));
            c.figure("gradcheck", nes, "gradcheck_nes", "Gradient check: NES error vs samples",
                    "Antithetic NES with nested draws: the error falls as N^-1/2 until the bias of Gaussian smoothing, O(sigma^2)"
                            + " times the third derivatives, is reached (flat lines: large sigma near the minimum, where the"
                            + " gradient is small). Fitted slopes per point:" + fitted);
            nesSlopes.forEach((sigma, v) -> c.headline("gradcheck", String.format(Locale.ROOT,
                    "gradcheck estimator=nes sigma=%s slope=%.3f min_slope=%.3f max_slope=%.3f points=%d", sigma, median(v),
                    v.stream().mapToDouble(d -> d).min().orElse(Double.NaN), v.stream().mapToDouble(d -> d).max().orElse(Double.NaN),
                    v.size())));
        }
        c.html("gradcheck", Html.table(slopes));
    }

    private static String fmt(List<Double> v) {
        return v.stream().map(d -> String.format(Locale.ROOT, "%.3f", d)).toList().toString();
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(d -> d).sorted().toArray();
        return s.length == 0 ? Double.NaN : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
