package bitgrad.pipelines.run;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.RandomBackwardSteEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.quant.Quantizer;
import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.pipelines.report.PlotStage;
import bitgrad.transforms.CosineStage;
import bitgrad.transforms.EstimateStage;
import bitgrad.transforms.GenerateDataStage;
import bitgrad.transforms.GridPoint;
import bitgrad.transforms.ImageDataStage;
import bitgrad.transforms.InitModelsStage;
import bitgrad.transforms.LayerSweepStage;
import bitgrad.transforms.NesSnrStage;
import bitgrad.transforms.SmoothingStage;
import bitgrad.transforms.LrSweepStage;
import bitgrad.transforms.PretrainStage;
import bitgrad.transforms.ProbeStage;
import bitgrad.transforms.ResNetGradStage;
import bitgrad.transforms.ResNetPretrainStage;
import bitgrad.transforms.GradCheckStage;
import bitgrad.transforms.RosenbrockStage;
import bitgrad.transforms.Stage;
import bitgrad.transforms.StageParams;
import bitgrad.transforms.Stages;
import bitgrad.transforms.SummaryStage;
import bitgrad.transforms.Task;
import bitgrad.transforms.TaskRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expands an experiment into its tasks: data per (dim, batch), models per (dim, init), optional
 * pretraining per (dim, init), one estimate per (dim, init, batch, estimator setting), one lr
 * sweep per (dim, init, batch), Rosenbrock descents per (start, estimator), and one summary.
 * Every seed is derived from the run seed and the task's grid coordinates (an estimator by its
 * structured identity).
 */
public final class Planner {

    /** The fewest rows a held-out batch has: a 256-row held-out batch scores a step on too few rows to rank estimators. */
    public static final long HELDOUT_MIN_ROWS = 4096;

    private final ExperimentConfig c;
    private final String device;
    /** Per stage, its tasks by key in the order they were planned. */
    private final Map<String, Map<String, Task>> stages = new LinkedHashMap<>();

    private Planner(ExperimentConfig c, String device) {
        this.c = c;
        this.device = device;
    }

    /** The plan of {@code loaded} on {@code device}. */
    public static Plan plan(ConfigLoader.Loaded loaded, String device) {
        Planner p = new Planner(loaded.config(), device);
        p.requireFewEstimates();
        p.build();
        Map<String, List<Task>> ordered = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(Stages.names());
        // the report reads every stage: last, whatever order plugged-in stages were found in
        order.remove(PlotStage.NAME);
        order.add(PlotStage.NAME);
        for (String stage : order) {
            if (p.stages.containsKey(stage)) {
                ordered.put(stage, List.copyOf(p.stages.get(stage).values()));
            }
        }
        requireAtMost(ordered.values().stream().mapToInt(List::size).sum(), "tasks");
        return new Plan(loaded, ordered);
    }

    /** Refuses, before anything is planned, a grid whose estimate tasks alone exceed {@link #MAX_TASKS}. */
    private void requireFewEstimates() {
        long points = (long) c.dims().size() * c.model().activation().size() * c.data().batch().size() * c.pretrain().enabled().size()
                * c.numInit() * c.data().numBatch();
        requireAtMost(points * estimators().size(), "estimates");
    }

    private static void requireAtMost(long count, String what) {
        if (count > MAX_TASKS) {
            throw new bitgrad.pipelines.config.ConfigException("this experiment plans " + count + " " + what + ", more than " + MAX_TASKS
                    + " (the largest preset plans about 10 000 tasks); lower its grid (dims, estimators, num_init, data.num_batch)");
        }
    }

    /** The most tasks a plan may hold: five times the largest preset's, so a typo cannot stall planning for minutes. */
    static final int MAX_TASKS = 50_000;

    /** Adds a task, or returns the identical one already planned (same key: e.g. data shared by activations). */
    private <P extends Record> TaskRef add(Stage<P> stage, P params, Map<String, List<TaskRef>> inputs) {
        var json = StageParams.tree(params);
        Task t = new Task(stage.name(), CacheKeys.key(stage.name(), json, inputs, device), json, inputs);
        stages.computeIfAbsent(stage.name(), s -> new LinkedHashMap<>()).putIfAbsent(t.key(), t);
        return new TaskRef(t.stage(), t.key());
    }

    /** The estimators of the grid, in a fixed order. */
    List<Estimator> estimators() {
        List<Estimator> out = new ArrayList<>();
        ExperimentConfig.Estimators e = c.estimators();
        if (e.ste()) {
            out.add(new SteEstimator());
        }
        if (e.random()) {
            out.add(new bitgrad.models.estimators.RandomDirectionEstimator());
        }
        for (double eps : e.cdg().eps()) {
            out.add(new CdgEstimator(eps, CdgEstimator.Method.parse(e.cdg().method())));
        }
        for (String mode : e.nes().modes()) {
            for (double sigma : e.nes().sigma()) {
                for (int n : e.nes().samples()) {
                    out.add(NesEstimator.of(sigma, n, NesEstimator.Form.parse(mode), e.nes().rankShaping()));
                }
            }
        }
        for (double keep : e.steRandom().keep()) {
            for (int k : e.steRandom().k()) {
                out.add(new RandomBackwardSteEstimator(keep, k));
            }
        }
        for (String forward : e.srSte().forward()) {
            for (String backward : e.srSte().backward()) {
                StochasticRounding.Backward b = StochasticRounding.Backward.parse(backward);
                if (forward.equals("deterministic") && b == StochasticRounding.Backward.QUANTIZER) {
                    continue; // the deterministic forward with the quantizer's backward is STE itself
                }
                for (double tau : e.srSte().tau()) {
                    for (int k : e.srSte().k()) {
                        out.add(new SrSteEstimator(tau, k, b, forward.equals("stochastic")));
                    }
                }
            }
        }
        e.extra().forEach(spec -> out.add(Estimators.decode(spec)));
        return out;
    }

    /**
     * The estimates of one (model, batch), one lr sweep per estimate (a changed estimator reruns only
     * its own), the cosines between them and (optionally) the probes; the sweeps and the cosine task
     * are added to {@code sweeps} and {@code cosines}.
     */
    private void sweep(MlpSpec model, GridPoint g, TaskRef init, TaskRef modelTask, TaskRef data, TaskRef heldout,
            List<Estimator> estimators, List<TaskRef> sweeps, List<TaskRef> cosines, boolean mainDim) {
        Map<String, List<TaskRef>> base = Map.of("model", List.of(modelTask), "init", List.of(init), "data", List.of(data));
        List<TaskRef> estimates = new ArrayList<>();
        for (Estimator est : estimators) {
            estimates.add(add(Stages.ESTIMATE, new EstimateStage.Params(model, est,
                    Seeds.derive(c.seed(), "estimate", g.dim(), g.init(), g.rows(), g.batch(), est.seedIdentity())), base));
        }
        Map<String, List<TaskRef>> in = new LinkedHashMap<>(base);
        in.put("estimates", estimates);
        in.put("heldout", List.of(heldout));
        ExperimentConfig.Sweep s = c.sweep();
        if (c.probes().enabled() && mainDim) {
            ExperimentConfig.Probes p = c.probes();
            add(Stages.PROBE, new ProbeStage.Params(model, g, s.lrStart(), s.lrStep(), s.lrCount(), p.nesDirections(), p.radii(),
                    p.candidates(), p.srSamples(), p.lrPoints(), Seeds.derive(c.seed(), "probe", g.dim(), g.init(), g.rows(), g.batch()),
                    s.stageMethod()), in);
        }
        for (TaskRef estimate : estimates) {
            Map<String, List<TaskRef>> one = new LinkedHashMap<>(in);
            one.put("estimates", List.of(estimate));
            sweeps.add(add(Stages.LR_SWEEP, new LrSweepStage.Params(model, g, s.lrStart(), s.lrStep(), s.lrCount(), s.normalize(), s.stageMethod()), one));
            if (c.questions().lastLayer() && mainDim) {
                add(Stages.LAYER_SWEEP, new LayerSweepStage.Params(model, g, s.lrStart(), s.lrStep(), s.lrCount(), s.normalize(), s.stageMethod()), one);
            }
            Estimator est = estimators.get(estimates.indexOf(estimate));
            // at a dim only question nes-after-pretraining asks for, only NES's whole step
            if (c.questions().smoothing() && SmoothingStage.scale(est) != null && (mainDim || est instanceof NesEstimator)) {
                add(Stages.SMOOTHING, new SmoothingStage.Params(model, g, c.questions().smoothingSamples(), s.normalize(),
                        Seeds.derive(c.seed(), "smoothing", g.dim(), g.init(), g.rows(), g.batch(), est.seedIdentity()),
                        mainDim ? null : List.of("all")), one);
            }
        }
        if (c.questions().nesSnr() && g.batch() == 0) {
            ExperimentConfig.Questions q = c.questions();
            for (double sigma : c.estimators().nes().sigma()) {
                add(Stages.NES_SNR, new NesSnrStage.Params(model, g, sigma, q.nesSnrSamples(), q.nesSnrSeeds(),
                        Seeds.derive(c.seed(), "nes-snr", g.dim(), g.init(), g.rows(), String.valueOf(sigma))), Map.of("model", List.of(modelTask), "init",
                        List.of(init), "data", List.of(data), "estimates", estimates));
            }
        }
        cosines.add(add(Stages.COSINE, new CosineStage.Params(g, s.normalize()), Map.of("estimates", estimates)));
    }

    /** Image data, one pretraining per (channels, weight case), one gradient comparison per (model, layer, eps). */
    private void resnet() {
        ExperimentConfig.Resnet r = c.resnet();
        String cifar = c.data().cifar10();
        TaskRef data = add(Stages.IMAGE_DATA, cifar.isEmpty()
                ? new ImageDataStage.Params("synthetic", null, r.images(), Seeds.derive(c.seed(), "images"))
                : new ImageDataStage.Params("cifar10", java.nio.file.Path.of(cifar).toAbsolutePath().normalize().toString(), r.images(),
                        null), Map.of());
        for (int ch : r.channels()) {
            for (boolean bw : r.binaryWeights()) {
                ResNetSpec model = new ResNetSpec(ch, Quantizer.parse(r.activation()), bw);
                String kind = bw ? "binary" : "fp";
                TaskRef pre = add(Stages.RESNET_PRETRAIN, new ResNetPretrainStage.Params(model, r.optimizer(), r.lr(), r.steps(), r.batch(),
                        Seeds.derive(c.seed(), "resnet-init", ch, kind), Seeds.derive(c.seed(), "resnet-pretrain", ch, kind)),
                        Map.of("data", List.of(data)));
                for (int layer : r.layers()) {
                    for (double eps : c.estimators().cdg().eps()) {
                        add(Stages.RESNET_GRAD, new ResNetGradStage.Params(model, layer, eps, c.estimators().cdg().coords(), r.gradBatch(),
                                Seeds.derive(c.seed(), "resnet-grad", ch, kind, layer)), Map.of("data", List.of(data), "model", List.of(pre)));
                    }
                }
            }
        }
    }

    private void build() {
        long seed = c.seed();
        List<Estimator> estimators = estimators();
        List<TaskRef> sweeps = new ArrayList<>();
        List<TaskRef> cosines = new ArrayList<>();
        // the run's dims in its order (the plan of a run without further dims is unchanged), then the further dims question
        // nes-after-pretraining asks for (STE, CDG and NES only there)
        java.util.LinkedHashSet<Integer> allDims = new java.util.LinkedHashSet<>(c.dims());
        if (c.questions().nesSnr()) {
            allDims.addAll(c.questions().nesDims());
        }
        List<Estimator> nesQuestion = estimators.stream().filter(e -> List.of("ste", "cdg", "nes").contains(e.family())).toList();
        for (int dim : allDims) {
            boolean mainDim = c.dims().contains(dim);
            for (String activation : c.model().activation()) {
                MlpSpec model = new MlpSpec(dim, c.model().depth(), Quantizer.parse(activation), c.model().binaryWeights(),
                        c.model().teacher());
                for (long rows : c.data().batch()) {
                    List<TaskRef> data = new ArrayList<>();
                    for (int b = 0; b < c.data().numBatch(); b++) {
                        data.add(add(Stages.GENERATE_DATA, new GenerateDataStage.Params(dim, rows, c.data().sliceRows(),
                                Seeds.derive(seed, "data", dim, rows, b)), Map.of()));
                    }
                    for (int i = 0; i < c.numInit(); i++) {
                        TaskRef init = add(Stages.INIT_MODELS, new InitModelsStage.Params(model, Seeds.derive(seed, "init", dim, i),
                                c.model().normalize() ? Boolean.TRUE : null), Map.of());
                        // a fresh held-out batch per repeat (init, batch), of at least HELDOUT_MIN_ROWS rows, on which every
                        // step is also measured: repeats share no held-out rows, so their held-out numbers are independent
                        List<TaskRef> heldout = new ArrayList<>();
                        for (int b = 0; b < data.size(); b++) {
                            heldout.add(add(Stages.GENERATE_DATA, new GenerateDataStage.Params(dim, Math.max(rows, HELDOUT_MIN_ROWS),
                                    c.data().sliceRows(), Seeds.derive(seed, "heldout", dim, rows, i, b)), Map.of()));
                        }
                        for (boolean pretrained : c.pretrain().enabled()) {
                            TaskRef modelTask = pretrained ? pretrain(model, init, dim, i) : init;
                            for (int b = 0; b < data.size(); b++) {
                                GridPoint g = new GridPoint(dim, model.activation().name(), rows, i, b, pretrained);
                                sweep(model, g, init, modelTask, data.get(b), heldout.get(b), mainDim ? estimators : nesQuestion, sweeps,
                                        cosines, mainDim);
                            }
                        }
                    }
                }
            }
        }
        List<TaskRef> ros = new ArrayList<>();
        if (c.rosenbrock().enabled()) {
            ExperimentConfig.Rosenbrock r = c.rosenbrock();
            List<Estimator> ests = new ArrayList<>();
            // the default method: on a function that is not the toy MLP it evaluates every copy (there is nothing to propagate)
            r.cdgEps().forEach(eps -> ests.add(new CdgEstimator(eps)));
            r.nesSigma().forEach(s -> ests.add(NesEstimator.antithetic(s, r.nesSamples())));
            for (int s = 0; s < r.starts(); s++) {
                for (Estimator est : ests) {
                    for (String opt : r.optimizers()) {
                        int steps = est instanceof NesEstimator ? r.nesSteps() : r.steps();
                        double lr = opt.equals("sgd") ? r.sgdLr() : r.lr();
                        ros.add(add(Stages.ROSENBROCK, new RosenbrockStage.Params(r.n(), s, Seeds.derive(seed, "rosenbrock-start", s), est,
                                opt, steps, lr, r.decay(), r.decayEvery(), r.perturbationFloor(),
                                Seeds.derive(seed, "rosenbrock", s, est.seedIdentity())), Map.of()));
                    }
                }
            }
            ExperimentConfig.GradCheck g = r.gradcheck();
            if (g.enabled()) {
                String opt = r.optimizers().get(0);
                add(Stages.GRADCHECK, new GradCheckStage.Params(r.n(), Seeds.derive(seed, "rosenbrock-start", 0),
                        new GradCheckStage.PathDescent(opt, opt.equals("sgd") ? r.sgdLr() : r.lr(), r.decay(), r.decayEvery()),
                        g.pathSteps(), g.eps(), g.sigma(), g.samples(), Seeds.derive(seed, "gradcheck")), Map.of());
            }
        }
        if (c.resnet().enabled()) {
            resnet();
        }
        List<String> plugged = extensions();
        add(Stages.SUMMARY, new SummaryStage.Params(), Map.of("sweeps", sweeps, "cosines", cosines, "rosenbrock", ros));
        Map<String, List<TaskRef>> shown = new LinkedHashMap<>();
        List<String> reads = new ArrayList<>(PlotStage.READS);
        reads.addAll(plugged);
        for (String stage : reads) {
            List<TaskRef> refs = new ArrayList<>();
            stages.getOrDefault(stage, Map.of()).values().forEach(t -> refs.add(new TaskRef(t.stage(), t.key())));
            if (!refs.isEmpty()) {
                shown.put(stage, refs);
            }
        }
        add((PlotStage) Stages.get(PlotStage.NAME), new PlotStage.Params(), shown);
    }

    /** The planners found through {@link java.util.ServiceLoader}, by name. */
    private static final Map<String, StagePlanner> PLANNERS = new java.util.TreeMap<>();

    static {
        for (StagePlanner sp : java.util.ServiceLoader.load(StagePlanner.class)) {
            PLANNERS.putIfAbsent(sp.name(), sp);
        }
    }

    /** The stages plugged-in planners plan (each only when an experiment turns its extension on). */
    public static java.util.Set<String> extensionStages() {
        java.util.Set<String> out = new java.util.TreeSet<>();
        PLANNERS.values().forEach(sp -> out.add(sp.stage()));
        return out;
    }

    /** Runs the plugged-in planners the experiment turns on ({@code extensions.<name>}); returns their stages. */
    private List<String> extensions() {
        List<String> out = new ArrayList<>();
        Map<String, com.fasterxml.jackson.databind.JsonNode> on = c.extensions() == null ? Map.of() : c.extensions();
        for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e : on.entrySet()) {
            StagePlanner sp = PLANNERS.get(e.getKey());
            if (sp == null) {
                throw new bitgrad.pipelines.config.ConfigException("unknown extension '" + e.getKey() + "'; plugged in: "
                        + (PLANNERS.isEmpty() ? "none" : String.join(", ", PLANNERS.keySet())));
            }
            sp.plan(new StagePlanner.Context() {
                @Override
                public ExperimentConfig config() {
                    return c;
                }

                @Override
                public com.fasterxml.jackson.databind.JsonNode settings() {
                    return e.getValue() == null || !e.getValue().isObject() ? bitgrad.transforms.Task.JSON.createObjectNode() : e.getValue();
                }

                @Override
                public List<TaskRef> tasks(String stage) {
                    List<TaskRef> refs = new ArrayList<>();
                    stages.getOrDefault(stage, Map.of()).values().forEach(t -> refs.add(new TaskRef(t.stage(), t.key())));
                    return refs;
                }

                @Override
                public com.fasterxml.jackson.databind.JsonNode params(TaskRef task) {
                    Task t = stages.getOrDefault(task.stage(), Map.of()).get(task.key());
                    if (t == null) {
                        throw new IllegalArgumentException("no planned task " + task.stage() + "/" + task.key());
                    }
                    return t.params();
                }

                @Override
                public <P extends Record> TaskRef add(Stage<P> stage, P params, Map<String, List<TaskRef>> inputs) {
                    return Planner.this.add(stage, params, inputs);
                }

                @Override
                public long seed(Object... coordinates) {
                    return Seeds.derive(c.seed(), coordinates);
                }
            });
            if (!out.contains(sp.stage())) {
                out.add(sp.stage());
            }
        }
        return out;
    }

    private TaskRef pretrain(MlpSpec model, TaskRef init, int dim, int i) {
        ExperimentConfig.Pretrain p = c.pretrain();
        return add(Stages.PRETRAIN, new PretrainStage.Params(model, p.optimizer(), p.lr(), p.steps(), p.batch(),
                Seeds.derive(c.seed(), "pretrain", dim, i)), Map.of("init", List.of(init)));
    }
}
