package bitgrad.pipelines.experiments;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.RosenbrockObjective;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The quickstart slice, computed directly (no pipeline, no cache yet): every estimator on a
 * small binary-activation MLP with its lr sweep and cosine to CDG, and CDG/NES on Rosenbrock
 * against the analytic gradient. Prints progress and {@code key=value} result lines.
 *
 * @param seed run seed
 */
public record Quickstart(long seed) {

    /** Model shape of the toy part. */
    public static final MlpSpec SPEC = new MlpSpec(16, 4, Quantizer.parse("sign"), false);

    /** Rows in the gradient batch. */
    public static final int BATCH = 4096;

    /** One estimator's outcome on the toy problem. */
    public record Row(String estimator, double seconds, double cosineVsCdg, float bestDecrease, float bestLr) {
    }

    /** Runs everything and returns the toy rows (the Rosenbrock lines are printed). */
    public List<Row> run(PrintStream out) {
        out.printf(Locale.ROOT, "quickstart dim=%d depth=%d activation=%s batch=%d seed=%d%n", SPEC.dim(), SPEC.depth(),
                SPEC.activation().name(), BATCH, seed);
        Map<Estimator, ParamSet> estimates = new LinkedHashMap<>();
        Map<Estimator, Double> seconds = new LinkedHashMap<>();
        List<Estimator> estimators = List.of(new CdgEstimator(0.1), new SteEstimator(), NesEstimator.antithetic(0.1, 2000),
                new SrSteEstimator(1.0, 4, StochasticRounding.Backward.RELAXED));
        List<Row> rows = new ArrayList<>();
        ToyProblem toy = new ToyProblem(SPEC, Seeds.derive(seed, "models"));
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(Seeds.derive(seed, "batch"), BATCH, SPEC.dim()))) {
            out.printf(Locale.ROOT, "loss=%.6g%n", o.loss());
            for (int i = 0; i < estimators.size(); i++) {
                Estimator e = estimators.get(i);
                long t0 = System.nanoTime();
                estimates.put(e, e.estimate(o, Seeds.derive(seed, "estimate", e.label())));
                seconds.put(e, (System.nanoTime() - t0) / 1e9);
                out.printf(Locale.ROOT, "[%d/%d] estimated %s in %.2fs%n", i + 1, estimators.size(), e.label(), seconds.get(e));
            }
            ParamSet cdg = estimates.get(estimators.get(0));
            float[] grid = LrSweep.defaultGrid(500);
            for (Estimator e : estimators) {
                ParamSet g = Gradients.normalize(estimates.get(e), Gradients.Norm.PER_TENSOR);
                LrSweep.Result r = LrSweep.sweep(o, g, grid);
                Row row = new Row(e.label(), seconds.get(e), Gradients.cosine(estimates.get(e), cdg), r.bestDecrease(), r.bestLr());
                rows.add(row);
                out.printf(Locale.ROOT, "estimate estimator=%s cosine_vs_cdg=%.4f best_decrease=%.6g best_lr=%.4g seconds=%.3f%n",
                        row.estimator(), row.cosineVsCdg(), row.bestDecrease(), row.bestLr(), row.seconds());
            }
        }
        float[] x = new float[100];
        SplittableRandom r = new SplittableRandom(Seeds.derive(seed, "rosenbrock-start"));
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(-10, 11);
        }
        float[] analytic = RosenbrockObjective.gradient(x);
        try (RosenbrockObjective f = new RosenbrockObjective(x)) {
            for (Estimator e : List.of(new CdgEstimator(0.01), NesEstimator.antithetic(1e-3, 5000))) {
                double cos = Gradients.cosine(analytic, e.estimate(f, Seeds.derive(seed, "rosenbrock", e.label())).get(0).data());
                out.printf(Locale.ROOT, "rosenbrock estimator=%s f=%.6g cosine_vs_analytic=%.6f%n", e.label(),
                        RosenbrockObjective.value(x), cos);
            }
        }
        return rows;
    }
}
