package bitgrad.models.bench;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.schemas.ParamSet;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What a researcher's script does, timed: for each of {@code batches} fresh N(0, 1) batches,
 * estimate the gradient, normalise it per tensor and sweep {@code lrs} learning rates
 * (1e-4 to 0.1 in steps of 2e-4 for 500). Throughput counts nominal work (see
 * {@link Estimator#nominalFlops}) plus one full forward per lr, against the measured matmul rate.
 *
 * @param spec model shape
 * @param batch rows per batch
 * @param batches number of batches
 * @param lrs learning rates per sweep
 * @param seed seed of models, batches and estimator draws
 * @param sweep how the sweep evaluates its steps (the line sweep, or a forward pass per step)
 */
public record EstimatorBench(MlpSpec spec, long batch, int batches, int lrs, long seed, LrSweep.Method sweep) {

    /** One timed batch. */
    public record BatchResult(int batch, float baseLoss, float bestLoss, float bestLr, double seconds, double sweepSeconds, double flops,
            double estimateFlops) {
    }

    /** The whole run. */
    public record Summary(List<BatchResult> batches, double matmulGflops) {

        /** Achieved throughput as a fraction of the measured matmul rate. */
        public double ratio() {
            return gflops() / matmulGflops;
        }

        /**
         * The estimate's own nominal throughput (its FLOPs over its seconds, normalisation
         * included) as a fraction of the measured matmul rate: above 1 only where the estimator
         * skips work, as delta CDG does; NES, which cannot, shows here how close it is to the machine.
         */
        public double estimateRatio() {
            double f = batches.stream().mapToDouble(BatchResult::estimateFlops).sum();
            double s = batches.stream().mapToDouble(b -> b.seconds() - b.sweepSeconds()).sum();
            return f / s / 1e9 / matmulGflops;
        }


        /** Mean seconds per batch (estimate + normalisation + lr sweep). */
        public double secondsPerGradient() {
            return batches.stream().mapToDouble(BatchResult::seconds).average().orElse(Double.NaN);
        }

        /** Mean seconds per batch of the lr sweep alone. */
        public double sweepSeconds() {
            return batches.stream().mapToDouble(BatchResult::sweepSeconds).average().orElse(Double.NaN);
        }

        /** Achieved nominal GFLOP/s over all batches. */
        public double gflops() {
            double f = batches.stream().mapToDouble(BatchResult::flops).sum();
            double s = batches.stream().mapToDouble(BatchResult::seconds).sum();
            return f / s / 1e9;
        }
    }

    /** Rows of the batch the sweep is warmed up on, and how many times. */
    private static final long WARM_SWEEP_ROWS = 4096;

    private static final int WARM_SWEEPS = 5;

    public EstimatorBench {
        if (batch < 1 || batches < 1 || lrs < 1) {
            throw new IllegalArgumentException("batch, batches and lrs must all be >= 1");
        }
    }

    /**
     * Runs the benchmark, printing one line per batch and the summary line to {@code out}. The
     * matmul rate is probed before the first batch and after every batch, and averaged, so that
     * load from elsewhere on the machine weighs on both figures alike.
     */
    public Summary run(Estimator estimator, String name, PrintStream out) {
        List<Double> probes = new ArrayList<>();
        probes.add(MatmulRate.gflops(1024, 5));
        ToyProblem toy = new ToyProblem(spec, seed);
        float[] grid = LrSweep.defaultGrid(lrs);
        ParamSet warmGradient;
        try (TeacherStudentObjective warm = toy.objective(GaussianBatch.of(Seeds.derive(seed, "warm-up"), 64, spec.dim()))) {
            warmGradient = Gradients.normalize(estimator.estimate(warm, seed), Gradients.Norm.PER_TENSOR);
        }
        // the line sweep's host walk is compiled while it runs: warm it on rows enough that the timed
        // sweeps are not charged for the JIT (a researcher's loop pays it once, not per gradient)
        try (TeacherStudentObjective warm = toy.objective(GaussianBatch.of(Seeds.derive(seed, "warm-up-sweep"),
                (int) Math.min(batch, WARM_SWEEP_ROWS), spec.dim()))) {
            for (int i = 0; i < WARM_SWEEPS; i++) {
                LrSweep.sweep(warm, warmGradient, grid, sweep);
            }
        }
        List<BatchResult> results = new ArrayList<>();
        for (int i = 0; i < batches; i++) {
            GaussianBatch data = GaussianBatch.of(Seeds.derive(seed, "batch", i), batch, spec.dim());
            try (TeacherStudentObjective o = toy.objective(data)) {
                long t0 = System.nanoTime();
                ParamSet g = Gradients.normalize(estimator.estimate(o, Seeds.derive(seed, "estimate", i)),
                        Gradients.Norm.PER_TENSOR);
                long s0 = System.nanoTime();
                LrSweep.Result swept = LrSweep.sweep(o, g, grid, sweep);
                double sweepSeconds = (System.nanoTime() - s0) / 1e9;
                double seconds = (System.nanoTime() - t0) / 1e9;
                double estimateFlops = estimator.nominalFlops(o);
                double flops = estimateFlops + (grid.length + 1) * o.forwardFlops();
                BatchResult r = new BatchResult(i, swept.baseLoss(), swept.baseLoss() - swept.bestDecrease(),
                        swept.bestLr(), seconds, sweepSeconds, flops, estimateFlops);
                results.add(r);
                out.printf(Locale.ROOT, "batch=%d best_loss=%.6g best_lr=%.4g seconds=%.3f%n", i, r.bestLoss(), r.bestLr(),
                        seconds);
                out.flush();
            }
            probes.add(MatmulRate.gflops(1024, 3));
        }
        Summary s = new Summary(results, probes.stream().mapToDouble(Double::doubleValue).average().orElseThrow());
        out.printf(Locale.ROOT, "%s seconds_per_gradient=%.4f estimate_seconds=%.4f sweep_seconds=%.4f gflops=%.2f matmul_gflops=%.2f "
                + "ratio=%.3f estimate_ratio=%.3f sweep=%s%n", name, s.secondsPerGradient(), s.secondsPerGradient() - s.sweepSeconds(),
                s.sweepSeconds(), s.gflops(), s.matmulGflops(), s.ratio(), s.estimateRatio(), sweep.key());
        return s;
    }

    /**
     * NES forms of one sigma and sample count, timed two ways on each batch: the antithetic form
     * alone, then every form of {@code forms} in one shared pass ({@link NesEstimator#estimateShared}).
     * Prints one line per batch and a summary line with both times, their ratio, and the antithetic
     * estimate's nominal rate against the matmul rate probed around the batches.
     */
    public void runModes(NesEstimator antithetic, List<NesEstimator> forms, String name, PrintStream out) {
        List<Double> probes = new ArrayList<>();
        probes.add(MatmulRate.gflops(1024, 5));
        ToyProblem toy = new ToyProblem(spec, seed);
        try (TeacherStudentObjective warm = toy.objective(GaussianBatch.of(Seeds.derive(seed, "warm-up"), 64, spec.dim()))) {
            antithetic.estimate(warm, seed);
            NesEstimator.estimateShared(warm, seed, forms);
        }
        double alone = 0;
        double all = 0;
        double flops = 0;
        for (int i = 0; i < batches; i++) {
            GaussianBatch data = GaussianBatch.of(Seeds.derive(seed, "batch", i), batch, spec.dim());
            try (TeacherStudentObjective o = toy.objective(data)) {
                long seedI = Seeds.derive(seed, "estimate", i);
                long t0 = System.nanoTime();
                antithetic.estimate(o, seedI);
                long t1 = System.nanoTime();
                NesEstimator.estimateShared(o, seedI, forms);
                long t2 = System.nanoTime();
                alone += (t1 - t0) / 1e9;
                all += (t2 - t1) / 1e9;
                flops += antithetic.nominalFlops(o);
                out.printf(Locale.ROOT, "batch=%d seconds_antithetic=%.3f seconds_all_modes=%.3f%n", i, (t1 - t0) / 1e9, (t2 - t1) / 1e9);
                out.flush();
            }
            probes.add(MatmulRate.gflops(1024, 3));
        }
        double matmul = probes.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        out.printf(Locale.ROOT, "%s seconds_all_modes=%.4f seconds_antithetic=%.4f all_over_antithetic=%.3f estimate_ratio=%.3f "
                + "matmul_gflops=%.2f modes=%s%n", name, all / batches, alone / batches, all / alone, flops / alone / 1e9 / matmul, matmul,
                String.join(",", forms.stream().map(NesEstimator::mode).toList()));
    }
}
