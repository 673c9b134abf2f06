package bitgrad.pipelines.run;

import bitgrad.models.Seeds;
import bitgrad.models.quant.Quantizer;
import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.transforms.Estimate;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.transforms.GenerateData;
import bitgrad.transforms.ImageData;
import bitgrad.transforms.ResNetGrad;
import bitgrad.transforms.ResNetPretrain;
import bitgrad.transforms.InitModels;
import bitgrad.transforms.LrSweepStage;
import bitgrad.transforms.Pretrain;
import bitgrad.transforms.RosenbrockStage;
import bitgrad.transforms.Specs;
import bitgrad.transforms.Summarize;
import bitgrad.transforms.Task;
import bitgrad.transforms.TaskRef;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Expands an experiment into its tasks: data per (dim, batch), models per (dim, init), optional
 * pretraining per (dim, init), one estimate per (dim, init, batch, estimator setting), one lr
 * sweep per (dim, init, batch), Rosenbrock descents per (start, estimator), and one summary.
 * Every seed is derived from the run seed and the task's grid coordinates.
 */
public final class Planner {

    private final ExperimentConfig c;
    private final String device;
    private final Map<String, List<Task>> stages = new LinkedHashMap<>();

    private Planner(ExperimentConfig c, String device) {
        this.c = c;
        this.device = device;
    }

    /** The plan of {@code loaded} on {@code device}. */
    public static Plan plan(ConfigLoader.Loaded loaded, String device) {
        Planner p = new Planner(loaded.config(), device);
        p.build();
        Map<String, List<Task>> ordered = new LinkedHashMap<>();
        for (String stage : bitgrad.transforms.Stages.names()) {
            if (p.stages.containsKey(stage)) {
                ordered.put(stage, p.stages.get(stage));
            }
        }
        return new Plan(loaded, ordered);
    }

    /** Adds a task, or returns the identical one already planned (same key: e.g. data shared by activations). */
    private Task add(String stage, ObjectNode params, Map<String, List<TaskRef>> inputs) {
        Task t = new Task(stage, CacheKeys.key(stage, params, inputs, device), params, inputs);
        List<Task> list = stages.computeIfAbsent(stage, s -> new ArrayList<>());
        for (Task existing : list) {
            if (existing.key().equals(t.key())) {
                return existing;
            }
        }
        list.add(t);
        return t;
    }

    private static TaskRef ref(Task t) {
        return new TaskRef(t.stage(), t.key());
    }

    private static ObjectNode obj() {
        return Task.JSON.createObjectNode();
    }

    /** The estimator settings of the grid, as task parameters. */
    List<ObjectNode> estimators() {
        List<ObjectNode> out = new ArrayList<>();
        ExperimentConfig.Estimators e = c.estimators();
        if (e.ste()) {
            out.add(obj().put("type", "ste"));
        }
        for (double eps : e.cdg().eps()) {
            out.add(obj().put("type", "cdg").put("eps", eps));
        }
        for (String mode : e.nes().modes()) {
            for (double sigma : e.nes().sigma()) {
                for (int n : e.nes().samples()) {
                    out.add(obj().put("type", "nes").put("sigma", sigma).put("samples", n).put("antithetic", mode.equals("antithetic"))
                            .put("baseline", !mode.equals("no-baseline")).put("rank_shaping", e.nes().rankShaping()));
                }
            }
        }
        for (double keep : e.steRandom().keep()) {
            for (int k : e.steRandom().k()) {
                out.add(obj().put("type", "ste-random").put("keep", keep).put("k", k));
            }
        }
        for (double tau : e.srSte().tau()) {
            for (int k : e.srSte().k()) {
                out.add(obj().put("type", "sr-ste").put("tau", tau).put("k", k).put("backward", e.srSte().backward()));
            }
        }
        return out;
    }

    private Task pretrain(ObjectNode model, Task init, int dim, int i) {
        ExperimentConfig.Pretrain p = c.pretrain();
        return add(Pretrain.NAME, obj().<ObjectNode>set("model", model.deepCopy()).put("optimizer", p.optimizer()).put("lr", p.lr())
                .put("steps", p.steps()).put("batch", p.batch()).put("seed", Seeds.derive(c.seed(), "pretrain", dim, i)),
                Map.of("init", List.of(ref(init))));
    }

    /** The estimates of one (model, batch) and their lr sweep. */
    private TaskRef sweep(ObjectNode model, Task init, Task modelTask, Task data, List<ObjectNode> estimators, int dim, int i,
            long rows, int b) {
        Map<String, List<TaskRef>> base = Map.of("model", List.of(ref(modelTask)), "init", List.of(ref(init)),
                "data", List.of(ref(data)));
        List<TaskRef> estimates = new ArrayList<>();
        ArrayNode labels = Task.JSON.createArrayNode();
        for (ObjectNode est : estimators) {
            String label = Specs.estimator(est).label();
            labels.add(label);
            estimates.add(ref(add(Estimate.NAME, obj().<ObjectNode>set("model", model.deepCopy())
                    .<ObjectNode>set("estimator", est.deepCopy())
                    .put("seed", Seeds.derive(c.seed(), "estimate", dim, i, rows, b, label)), base)));
        }
        Map<String, List<TaskRef>> in = new LinkedHashMap<>(base);
        in.put("estimates", estimates);
        if (c.probes().enabled()) {
            ExperimentConfig.Probes p = c.probes();
            ArrayNode radii = Task.JSON.createArrayNode();
            p.radii().forEach(radii::add);
            add(bitgrad.transforms.Probe.NAME, obj().<ObjectNode>set("model", model.deepCopy()).<ObjectNode>set("labels", labels.deepCopy())
                    .put("lr_start", c.sweep().lrStart()).put("lr_step", c.sweep().lrStep()).put("lr_count", c.sweep().lrCount())
                    .put("nes_directions", p.nesDirections()).<ObjectNode>set("radii", radii).put("candidates", p.candidates())
                    .put("sr_samples", p.srSamples()).put("lr_points", p.lrPoints())
                    .put("seed", Seeds.derive(c.seed(), "probe", dim, i, rows, b)), in);
        }
        return ref(add(LrSweepStage.NAME, obj().<ObjectNode>set("model", model.deepCopy()).<ObjectNode>set("labels", labels)
                .put("lr_start", c.sweep().lrStart()).put("lr_step", c.sweep().lrStep()).put("lr_count", c.sweep().lrCount())
                .put("normalize", c.sweep().normalize()), in));
    }

    /** Image data, one pretraining per (channels, weight case), one gradient comparison per (model, layer, eps). */
    private void resnet() {
        ExperimentConfig.Resnet r = c.resnet();
        String cifar = c.data().cifar10();
        ObjectNode dp = obj().put("images", r.images());
        if (cifar.isEmpty()) {
            dp.put("source", "synthetic").put("seed", Seeds.derive(c.seed(), "images"));
        } else {
            dp.put("source", "cifar10").put("path", java.nio.file.Path.of(cifar).toAbsolutePath().normalize().toString());
        }
        Task data = add(ImageData.NAME, dp, Map.of());
        for (int ch : r.channels()) {
            for (boolean bw : r.binaryWeights()) {
                ObjectNode model = ResNetPretrain.spec(new ResNetSpec(ch, Quantizer.parse(r.activation()), bw));
                Task pre = add(ResNetPretrain.NAME, obj().<ObjectNode>set("model", model.deepCopy()).put("optimizer", r.optimizer())
                        .put("lr", r.lr()).put("steps", r.steps()).put("batch", r.batch())
                        .put("init_seed", Seeds.derive(c.seed(), "resnet-init", ch, bw ? "binary" : "fp"))
                        .put("seed", Seeds.derive(c.seed(), "resnet-pretrain", ch, bw ? "binary" : "fp")), Map.of("data", List.of(ref(data))));
                for (int layer : r.layers()) {
                    for (double eps : c.estimators().cdg().eps()) {
                        add(ResNetGrad.NAME, obj().<ObjectNode>set("model", model.deepCopy()).put("layer", layer).put("eps", eps)
                                .put("coords", c.estimators().cdg().coords()).put("grad_batch", r.gradBatch())
                                .put("seed", Seeds.derive(c.seed(), "resnet-grad", ch, bw ? "binary" : "fp", layer)),
                                Map.of("data", List.of(ref(data)), "model", List.of(ref(pre))));
                    }
                }
            }
        }
    }

    private void build() {
        long seed = c.seed();
        List<ObjectNode> estimators = estimators();
        ArrayNode sweepMeta = Task.JSON.createArrayNode();
        List<TaskRef> sweeps = new ArrayList<>();
        for (int dim : c.dims()) {
            for (String activation : c.model().activation()) {
                ObjectNode model = obj().put("dim", dim).put("depth", c.model().depth())
                        .put("activation", Quantizer.parse(activation).name()).put("binary_weights", c.model().binaryWeights());
                for (long rows : c.data().batch()) {
                    List<Task> data = new ArrayList<>();
                    for (int b = 0; b < c.data().numBatch(); b++) {
                        data.add(add(GenerateData.NAME, obj().put("dim", dim).put("rows", rows).put("slice_rows", c.data().sliceRows())
                                .put("seed", Seeds.derive(seed, "data", dim, rows, b)), Map.of()));
                    }
                    for (int i = 0; i < c.numInit(); i++) {
                        Task init = add(InitModels.NAME, obj().<ObjectNode>set("model", model.deepCopy())
                                .put("seed", Seeds.derive(seed, "init", dim, i)), Map.of());
                        for (boolean pretrained : c.pretrain().enabled()) {
                            Task modelTask = pretrained ? pretrain(model, init, dim, i) : init;
                            for (int b = 0; b < data.size(); b++) {
                                sweeps.add(sweep(model, init, modelTask, data.get(b), estimators, dim, i, rows, b));
                                sweepMeta.add(obj().put("dim", dim).put("activation", model.get("activation").asText())
                                        .put("rows", rows).put("init", i).put("batch", b).put("pretrained", pretrained));
                            }
                        }
                    }
                }
            }
        }
        ArrayNode rosMeta = Task.JSON.createArrayNode();
        List<TaskRef> ros = new ArrayList<>();
        if (c.rosenbrock().enabled()) {
            ExperimentConfig.Rosenbrock r = c.rosenbrock();
            List<ObjectNode> ests = new ArrayList<>();
            r.cdgEps().forEach(eps -> ests.add(obj().put("type", "cdg").put("eps", eps)));
            r.nesSigma().forEach(s -> ests.add(obj().put("type", "nes").put("sigma", s).put("samples", r.nesSamples())
                    .put("antithetic", true).put("baseline", true).put("rank_shaping", false)));
            for (int s = 0; s < r.starts(); s++) {
                for (ObjectNode est : ests) {
                    String label = Specs.estimator(est).label();
                    ros.add(ref(add(RosenbrockStage.NAME, obj().put("n", r.n()).put("start_seed", Seeds.derive(seed, "rosenbrock-start", s))
                            .<ObjectNode>set("estimator", est).put("optimizer", r.optimizer()).put("steps", r.steps()).put("lr", r.lr())
                            .put("decay", r.decay()).put("decay_every", r.decayEvery())
                            .put("seed", Seeds.derive(seed, "rosenbrock", s, label)), Map.of())));
                    rosMeta.add(obj().put("start", s).put("estimator", label));
                }
            }
        }
        if (c.resnet().enabled()) {
            resnet();
        }
        add(Summarize.NAME, obj().<ObjectNode>set("sweep_meta", sweepMeta).<ObjectNode>set("rosenbrock_meta", rosMeta),
                Map.of("sweeps", sweeps, "rosenbrock", ros));
    }
}
