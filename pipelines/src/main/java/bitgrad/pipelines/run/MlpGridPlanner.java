package bitgrad.pipelines.run;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.RandomBackwardSteEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.quant.Quantizer;
import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.transforms.CosineStage;
import bitgrad.transforms.EstimateStage;
import bitgrad.transforms.GenerateDataStage;
import bitgrad.transforms.GridPoint;
import bitgrad.transforms.InitModelsStage;
import bitgrad.transforms.LayerSweepStage;
import bitgrad.transforms.LrSweepStage;
import bitgrad.transforms.NesSnrStage;
import bitgrad.transforms.PretrainStage;
import bitgrad.transforms.ProbeStage;
import bitgrad.transforms.SmoothingStage;
import bitgrad.transforms.Stages;
import bitgrad.transforms.TaskRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The tasks of the toy MLP grid: every (dim, activation, batch size, init, pretrained, batch) point with its estimates, their
 * lr sweeps and cosines, and the questions' stages that hang off them (layer sweeps, smoothing, NES SNR, probes). Every seed
 * derives from the run seed and the task's grid coordinates (an estimator by its structured identity).
 */
final class MlpGridPlanner {

    private MlpGridPlanner() {
    }

    /** The estimators of the grid, in a fixed order. */
    static List<Estimator> estimators(ExperimentConfig c) {
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
    private static void sweep(StagePlanner.Context ctx, MlpSpec model, GridPoint g, TaskRef init, TaskRef modelTask, TaskRef data, TaskRef heldout,
            List<Estimator> estimators, List<TaskRef> sweeps, List<TaskRef> cosines, boolean mainDim) {
        ExperimentConfig c = ctx.config();
        Map<String, List<TaskRef>> base = Map.of("model", List.of(modelTask), "init", List.of(init), "data", List.of(data));
        List<TaskRef> estimates = new ArrayList<>();
        for (Estimator est : estimators) {
            estimates.add(ctx.add(Stages.ESTIMATE, new EstimateStage.Params(model, est,
                    ctx.seed("estimate", g.dim(), g.init(), g.rows(), g.batch(), est.seedIdentity())), base));
        }
        Map<String, List<TaskRef>> in = new LinkedHashMap<>(base);
        in.put("estimates", estimates);
        in.put("heldout", List.of(heldout));
        ExperimentConfig.Sweep s = c.sweep();
        if (c.probes().enabled() && mainDim) {
            ExperimentConfig.Probes p = c.probes();
            ctx.add(Stages.PROBE, new ProbeStage.Params(model, g, s.lrStart(), s.lrStep(), s.lrCount(), p.nesDirections(), p.radii(),
                    p.candidates(), p.srSamples(), p.lrPoints(), ctx.seed("probe", g.dim(), g.init(), g.rows(), g.batch()),
                    s.stageMethod()), in);
        }
        for (TaskRef estimate : estimates) {
            Map<String, List<TaskRef>> one = new LinkedHashMap<>(in);
            one.put("estimates", List.of(estimate));
            sweeps.add(ctx.add(Stages.LR_SWEEP, new LrSweepStage.Params(model, g, s.lrStart(), s.lrStep(), s.lrCount(), s.normalize(), s.stageMethod()), one));
            if (c.questions().lastLayer() && mainDim) {
                ctx.add(Stages.LAYER_SWEEP, new LayerSweepStage.Params(model, g, s.lrStart(), s.lrStep(), s.lrCount(), s.normalize(), s.stageMethod()), one);
            }
            Estimator est = estimators.get(estimates.indexOf(estimate));
            // at a dim only question nes-after-pretraining asks for, only NES's whole step
            if (c.questions().smoothing() && SmoothingStage.scale(est) != null && (mainDim || est instanceof NesEstimator)) {
                ctx.add(Stages.SMOOTHING, new SmoothingStage.Params(model, g, c.questions().smoothingSamples(), s.normalize(),
                        ctx.seed("smoothing", g.dim(), g.init(), g.rows(), g.batch(), est.seedIdentity()),
                        mainDim ? null : List.of("all")), one);
            }
        }
        if (c.questions().nesSnr() && g.batch() == 0) {
            ExperimentConfig.Questions q = c.questions();
            for (double sigma : c.estimators().nes().sigma()) {
                ctx.add(Stages.NES_SNR, new NesSnrStage.Params(model, g, sigma, q.nesSnrSamples(), q.nesSnrSeeds(),
                        ctx.seed("nes-snr", g.dim(), g.init(), g.rows(), String.valueOf(sigma))), Map.of("model", List.of(modelTask), "init",
                        List.of(init), "data", List.of(data), "estimates", estimates));
            }
        }
        cosines.add(ctx.add(Stages.COSINE, new CosineStage.Params(g, s.normalize()), Map.of("estimates", estimates)));
    }

    /** The sweeps and cosine tasks planned, which the summary reads. */
    record Planned(List<TaskRef> sweeps, List<TaskRef> cosines) {
    }

    /**
     * Data per (dim, batch), models per (dim, init), a held-out batch per repeat, optional pretraining per (dim, init), and per
     * (model, batch) the estimates, their sweeps and cosines ({@link #sweep}).
     */
    static Planned plan(StagePlanner.Context ctx) {
        ExperimentConfig c = ctx.config();
        List<Estimator> estimators = estimators(c);
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
                        data.add(ctx.add(Stages.GENERATE_DATA, new GenerateDataStage.Params(dim, rows, c.data().sliceRows(),
                                ctx.seed("data", dim, rows, b)), Map.of()));
                    }
                    for (int i = 0; i < c.numInit(); i++) {
                        TaskRef init = ctx.add(Stages.INIT_MODELS, new InitModelsStage.Params(model, ctx.seed("init", dim, i),
                                c.model().normalize() ? Boolean.TRUE : null), Map.of());
                        // a fresh held-out batch per repeat (init, batch), of at least HELDOUT_MIN_ROWS rows, on which every
                        // step is also measured: repeats share no held-out rows, so their held-out numbers are independent
                        List<TaskRef> heldout = new ArrayList<>();
                        for (int b = 0; b < data.size(); b++) {
                            heldout.add(ctx.add(Stages.GENERATE_DATA, new GenerateDataStage.Params(dim, Math.max(rows, Planner.HELDOUT_MIN_ROWS),
                                    c.data().sliceRows(), ctx.seed("heldout", dim, rows, i, b)), Map.of()));
                        }
                        for (boolean pretrained : c.pretrain().enabled()) {
                            TaskRef modelTask = pretrained ? pretrain(ctx, model, init, dim, i) : init;
                            for (int b = 0; b < data.size(); b++) {
                                GridPoint g = new GridPoint(dim, model.activation().name(), rows, i, b, pretrained);
                                sweep(ctx, model, g, init, modelTask, data.get(b), heldout.get(b), mainDim ? estimators : nesQuestion, sweeps,
                                        cosines, mainDim);
                            }
                        }
                    }
                }
            }
        }
        return new Planned(sweeps, cosines);
    }

    private static TaskRef pretrain(StagePlanner.Context ctx, MlpSpec model, TaskRef init, int dim, int i) {
        ExperimentConfig.Pretrain p = ctx.config().pretrain();
        return ctx.add(Stages.PRETRAIN, new PretrainStage.Params(model, p.optimizer(), p.lr(), p.steps(), p.batch(),
                ctx.seed("pretrain", dim, i)), Map.of("init", List.of(init)));
    }
}
