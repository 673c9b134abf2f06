package bitgrad.pipelines.config;

import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.measure.RosenbrockDescent;
import bitgrad.models.quant.Quantizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * The limits of an experiment's values and the checks that hold them, each failing with a one-line message that names the
 * key: what binding a YAML tree to {@link ExperimentConfig} cannot say (a width in range, increasing sample counts, a known
 * optimizer). {@link ConfigLoader} calls {@link #check} on every experiment it loads.
 */
public final class ConfigChecks {

    private ConfigChecks() {
    }

    /** Largest accepted sizes (of {@code run} and {@code bench}): far beyond the notes' experiments, small enough that no count overflows. */
    public static final int MAX_DIM = 4096;
    public static final int MAX_DEPTH = 64;
    public static final long MAX_ROWS = 100_000_000L;
    public static final int MAX_SAMPLES = 10_000_000;
    public static final int MAX_LRS = 100_000;
    /** Repeats (inits, batches, Rosenbrock starts): the notes use 3-5, the statistics want 10-30. */
    public static final int MAX_REPEATS = 100;
    /** Draws averaged in one estimate (sr-STE's k, stochastic STE's k). */
    public static final int MAX_DRAWS = 1000;
    /** Rosenbrock's dimension and step counts. */
    static final int MAX_ROSENBROCK_N = 1_000_000;
    static final int MAX_STEPS = 100_000_000;
    /** The largest learning rate a sweep may reach: a step this long along a unit direction is far past any weight's scale. */
    static final double MAX_LR = 1000;

    /** Every check of an experiment's values that binding cannot make: ranges, names, lists that must increase. */
    static void check(ExperimentConfig c) {
        require(c.name() != null && c.name().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
                "name must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), got '" + c.name() + "'");
        c.dims().forEach(d -> require(d == null || d <= MAX_DIM, "dims must be <= " + MAX_DIM + ", got " + d));
        require(c.questions().smoothingSamples() >= 2 && c.questions().smoothingSamples() <= 100_000,
                "questions.smoothing_samples must be 2..100000, got " + c.questions().smoothingSamples());
        require(!c.questions().nesSnrSamples().isEmpty() && increasing(c.questions().nesSnrSamples()) && c.questions().nesSnrSamples().stream().allMatch(v -> v <= MAX_SAMPLES),
                "questions.nes_snr_samples must be increasing counts 1.." + MAX_SAMPLES + ", got " + c.questions().nesSnrSamples());
        require(c.questions().nesSnrSeeds() >= 2 && c.questions().nesSnrSeeds() <= 1000,
                "questions.nes_snr_seeds must be 2..1000, got " + c.questions().nesSnrSeeds());
        c.questions().nesDims().forEach(d -> require(d != null && d >= 1 && d <= MAX_DIM && (long) d * c.data().sliceRows() < Integer.MAX_VALUE,
                "questions.nes_dims must be widths 1.." + MAX_DIM + " (and x data.slice_rows below 2^31), got " + d));
        require(!c.questions().nesSnr() || !c.estimators().nes().sigma().isEmpty(),
                "questions.nes_snr measures NES at estimators.nes.sigma: list at least one sigma");
        require(c.model().depth() <= MAX_DEPTH, "model.depth must be <= " + MAX_DEPTH + ", got " + c.model().depth());
        c.data().batch().forEach(b -> require(b == null || b <= MAX_ROWS, "data.batch must be <= " + MAX_ROWS + " rows, got " + b));
        c.dims().forEach(d -> require(d == null || (long) d * c.data().sliceRows() < Integer.MAX_VALUE,
                "data.slice_rows x dim must stay below 2^31 values per slice, got " + c.data().sliceRows() + " x " + d));
        c.estimators().nes().samples().forEach(v -> require(v == null || v <= MAX_SAMPLES,
                "estimators.nes.samples must be <= " + MAX_SAMPLES + ", got " + v));
        require(c.sweep().lrCount() <= MAX_LRS, "sweep.lr_count must be <= " + MAX_LRS + ", got " + c.sweep().lrCount());
        require(!c.dims().isEmpty() || c.rosenbrock().enabled() || c.resnet().enabled(),
                "dims must list at least one width (or enable rosenbrock or resnet)");
        c.dims().forEach(d -> require(d != null && d >= 1, "dims must be >= 1, got " + d));
        require(c.numInit() >= 1 && c.numInit() <= MAX_REPEATS, "num_init must be 1.." + MAX_REPEATS + ", got " + c.numInit());
        require(c.data().numBatch() <= MAX_REPEATS, "data.num_batch must be <= " + MAX_REPEATS + ", got " + c.data().numBatch());
        require(c.model().depth() >= 0, "model.depth must be >= 0");
        require(!c.model().activation().isEmpty(), "model.activation must name at least one activation");
        require(bitgrad.models.nets.MlpSpec.TEACHERS.contains(c.model().teacher()), "model.teacher must be one of "
                + String.join(", ", bitgrad.models.nets.MlpSpec.TEACHERS) + ", got '" + c.model().teacher() + "'");
        for (String a : c.model().activation()) {
            try {
                Quantizer.parse(String.valueOf(a));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("model.activation: " + e.getMessage());
            }
        }
        require(!c.data().batch().isEmpty() && c.data().batch().stream().allMatch(b -> b != null && b >= 1),
                "data.batch values must be >= 1");
        require(c.data().numBatch() >= 1 && c.data().sliceRows() >= 1, "data.num_batch and data.slice_rows must be >= 1");
        require(!c.pretrain().enabled().isEmpty() && !c.pretrain().enabled().contains(null), "pretrain.enabled must be true, false or a list of them");
        require(Set.of("sgd", "adam").contains(c.pretrain().optimizer()), "pretrain.optimizer must be sgd or adam");
        require(positive(c.pretrain().lr()), "pretrain.lr must be > 0");
        require(c.pretrain().steps() >= 0, "pretrain.steps must be >= 0");
        require(c.pretrain().batch() >= 1 && c.pretrain().batch() <= 65536, "pretrain.batch must be in 1..65536");
        ExperimentConfig.Estimators e = c.estimators();
        e.cdg().eps().forEach(v -> require(positive(v), "estimators.cdg.eps values must be > 0, got " + v));
        require(Set.of("delta", "dense").contains(e.cdg().method()), "estimators.cdg.method must be delta or dense, got '"
                + e.cdg().method() + "'");
        e.nes().sigma().forEach(v -> require(positive(v), "estimators.nes.sigma values must be > 0, got " + v));
        e.nes().samples().forEach(v -> require(v != null && v >= 1, "estimators.nes.samples values must be >= 1, got " + v));
        e.srSte().tau().forEach(v -> require(positive(v), "estimators.sr_ste.tau values must be > 0, got " + v));
        e.srSte().k().forEach(v -> require(v != null && v >= 1 && v <= MAX_DRAWS, "estimators.sr_ste.k values must be 1.." + MAX_DRAWS
                + ", got " + v));
        e.srSte().backward().forEach(b -> require(Set.of("relaxed", "quantizer").contains(b),
                "estimators.sr_ste.backward values must be quantizer or relaxed, got '" + b + "'"));
        e.srSte().forward().forEach(f -> require(Set.of("stochastic", "deterministic").contains(f),
                "estimators.sr_ste.forward values must be stochastic or deterministic, got '" + f + "'"));
        e.nes().modes().forEach(m -> require(java.util.Arrays.stream(NesEstimator.Form.values()).anyMatch(f -> f.word().equals(m)),
                "estimators.nes.modes values must be antithetic, one-sided or no-baseline, got " + m));
        for (int i = 0; i < e.extra().size(); i++) {
            try {
                bitgrad.models.estimators.Estimators.decode(e.extra().get(i));
            } catch (IllegalArgumentException bad) {
                throw new ConfigException("estimators.extra[" + i + "]: " + bad.getMessage());
            }
        }
        boolean any = e.ste() || !e.cdg().eps().isEmpty() || !e.steRandom().keep().isEmpty() || !e.extra().isEmpty()
                || (!e.nes().sigma().isEmpty() && !e.nes().samples().isEmpty() && !e.nes().modes().isEmpty())
                || (!e.srSte().tau().isEmpty() && !e.srSte().k().isEmpty());
        require(any, "estimators: enable at least one estimator");
        e.steRandom().keep().forEach(v -> require(v != null && v > 0 && v <= 1, "estimators.ste_random.keep values must be in (0, 1]"));
        e.steRandom().k().forEach(v -> require(v != null && v >= 1 && v <= MAX_DRAWS, "estimators.ste_random.k values must be 1.."
                + MAX_DRAWS));
        ExperimentConfig.Probes p = c.probes();
        require(p.nesDirections() >= 1 && p.candidates() >= 1 && p.srSamples() >= 1 && p.lrPoints() >= 1,
                "probes.nes_directions, candidates, sr_samples and lr_points must be >= 1");
        require(p.nesDirections() <= MAX_SAMPLES && p.candidates() <= MAX_SAMPLES && p.srSamples() <= MAX_SAMPLES
                && p.lrPoints() <= MAX_LRS, "probes.nes_directions, candidates and sr_samples must be <= " + MAX_SAMPLES
                + " and probes.lr_points <= " + MAX_LRS);
        require(p.radii().size() <= MAX_LRS, "probes.radii must list at most " + MAX_LRS + " radii");
        p.radii().forEach(v -> require(v != null && v >= 0, "probes.radii values must be >= 0"));
        require(!p.enabled() || e.ste(), "probes need estimators.ste=true");
        require(c.sweep().lrCount() >= 1, "sweep.lr_count must be >= 1");
        require(positive(c.sweep().lrStart()) && positive(c.sweep().lrStep()), "sweep.lr_start and sweep.lr_step must be > 0, got "
                + c.sweep().lrStart() + " and " + c.sweep().lrStep());
        double lastLr = c.sweep().lrStart() + (c.sweep().lrCount() - 1) * c.sweep().lrStep();
        require(lastLr <= MAX_LR, "the sweep's largest learning rate (lr_start + (lr_count - 1) x lr_step) must be <= " + MAX_LR
                + " (steps are along unit-norm directions), got " + lastLr);
        require(Set.of("per_tensor", "global").contains(c.sweep().normalize()), "sweep.normalize must be per_tensor or global");
        require(c.sweep().method() == null || Set.of("line", "copies").contains(c.sweep().method()),
                "sweep.method must be line or copies, got '" + c.sweep().method() + "'");
        require(c.threads() >= 0 && c.threads() <= 1024, "threads must be 0 (all cores) or a count of cores, got " + c.threads());
        ExperimentConfig.Rosenbrock r = c.rosenbrock();
        require(r.n() >= 2 && r.n() % 2 == 0 && r.n() <= MAX_ROSENBROCK_N, "rosenbrock.n must be even and in 2.." + MAX_ROSENBROCK_N
                + ", got " + r.n());
        require(r.starts() >= 1 && r.steps() >= 1 && r.decayEvery() >= 1 && r.nesSamples() >= 1 && r.nesSteps() >= 1,
                "rosenbrock.starts, steps, nes_steps, decay_every and nes_samples must be >= 1");
        require(r.starts() <= MAX_REPEATS, "rosenbrock.starts must be <= " + MAX_REPEATS + ", got " + r.starts());
        require(r.steps() <= MAX_STEPS && r.nesSteps() <= MAX_STEPS, "rosenbrock.steps and nes_steps must be <= " + MAX_STEPS);
        require(r.nesSamples() <= MAX_SAMPLES, "rosenbrock.nes_samples must be <= " + MAX_SAMPLES + ", got " + r.nesSamples());
        require(positive(r.lr()) && positive(r.sgdLr()) && r.decay() > 0 && r.decay() <= 1,
                "rosenbrock.lr and sgd_lr must be > 0 and decay in (0, 1]");
        require(positive(r.perturbationFloor()), "rosenbrock.perturbation_floor must be > 0");
        require(!r.optimizers().isEmpty(), "rosenbrock.optimizers must list at least one of " + RosenbrockDescent.OPTIMIZERS);
        r.optimizers().forEach(o -> require(RosenbrockDescent.OPTIMIZERS.contains(o),
                "rosenbrock.optimizers: unknown optimizer '" + o + "' (known: " + RosenbrockDescent.OPTIMIZERS + ")"));
        r.cdgEps().forEach(v -> require(positive(v), "rosenbrock.cdg_eps values must be > 0, got " + v));
        r.nesSigma().forEach(v -> require(positive(v), "rosenbrock.nes_sigma values must be > 0, got " + v));
        ExperimentConfig.GradCheck g = r.gradcheck();
        g.eps().forEach(v -> require(positive(v), "rosenbrock.gradcheck.eps values must be > 0, got " + v));
        g.sigma().forEach(v -> require(positive(v), "rosenbrock.gradcheck.sigma values must be > 0, got " + v));
        require(increasing(g.samples()) && g.samples().stream().allMatch(v -> v <= MAX_SAMPLES),
                "rosenbrock.gradcheck.samples must be increasing counts 1.." + MAX_SAMPLES);
        require(increasing(g.pathSteps()) && g.pathSteps().stream().allMatch(v -> v <= MAX_STEPS),
                "rosenbrock.gradcheck.path_steps must be increasing counts 1.." + MAX_STEPS);
        validateResnet(c);
    }

    private static boolean increasing(List<Integer> v) {
        for (int i = 0; i < v.size(); i++) {
            if (v.get(i) == null || v.get(i) < 1 || i > 0 && v.get(i) <= v.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    private static void validateResnet(ExperimentConfig c) {
        ExperimentConfig.Resnet n = c.resnet();
        require(c.estimators().cdg().coords() >= 0, "estimators.cdg.coords must be >= 0 (0: all coordinates)");
        require(c.estimators().cdg().coords() == 0 || n.enabled(), "estimators.cdg.coords samples coordinates of the resnet experiment only");
        require(c.data().cifar10().isEmpty() || n.enabled(), "data.cifar10 is read by the resnet experiment only");
        if (!n.enabled()) {
            return;
        }
        require(!n.channels().isEmpty() && n.channels().stream().allMatch(v -> v != null && v >= 1 && v <= 256),
                "resnet.channels values must be in 1..256");
        require(!n.binaryWeights().isEmpty() && !n.binaryWeights().contains(null), "resnet.binary_weights must be true, false or a list of them");
        require(!n.layers().isEmpty() && n.layers().stream().allMatch(v -> v != null && v >= 1 && v <= 16),
                "resnet.layers values must be binary conv numbers 1..16");
        try {
            Quantizer.parse(n.activation());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("resnet.activation: " + e.getMessage());
        }
        require(Set.of("sgd", "adam").contains(n.optimizer()), "resnet.optimizer must be sgd or adam");
        require(positive(n.lr()), "resnet.lr must be > 0");
        require(n.steps() >= 0, "resnet.steps must be >= 0");
        require(n.images() >= 1 && n.images() <= 50000, "resnet.images must be in 1..50000");
        require(n.batch() >= 1 && n.batch() <= 4096, "resnet.batch must be in 1..4096");
        require(n.gradBatch() >= 1 && n.gradBatch() <= n.images(), "resnet.grad_batch must be in 1..resnet.images");
        require(!c.estimators().cdg().eps().isEmpty(), "the resnet experiment needs at least one estimators.cdg.eps");
        if (!c.data().cifar10().isEmpty()) {
            try {
                bitgrad.models.images.ImageSet.cifarFiles(Path.of(c.data().cifar10()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
    }

    private static boolean positive(Double v) {
        return v != null && v > 0 && !v.isInfinite();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }

}
