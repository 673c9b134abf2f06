package bitgrad.pipelines.run;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.RandomBackwardSteEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.schemas.ArtifactStore;
import bitgrad.transforms.StageParams;
import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import bitgrad.transforms.TaskGroups;
import bitgrad.transforms.TaskRef;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * What a plan will cost in seconds, before it runs: each task's work in closed form from its
 * parameters (forward passes and their matmul FLOPs, activation elements, coordinates times rows,
 * optimizer steps), priced at this machine's measured matmul rate with constants measured here
 * (docs/performance.md); then, per kind of work, scaled by how long the cached tasks of that kind
 * really took against the same prediction, when there are any. A task "alone" uses every core of
 * the machine it runs on, so locally the tasks of a stage take the sum of their times; on a cluster
 * of N task slots (each a machine like this one running one task) a stage takes the makespan of
 * its tasks scheduled longest first; the stages run one after another. Tasks a stage computes
 * together ({@link TaskGroups}) are priced as one.
 */
public final class CostModel {

    /** Seconds of one stage: its tasks to compute and what they should take. */
    public record StageCost(String stage, int tasks, double seconds, String source) {
    }

    /** The whole plan: per stage, and in total with the fixed costs of starting the run and each stage. */
    public record Estimate(List<StageCost> stages, double seconds, int slots) {
    }

    /** Seconds to start the JVM and plan the run. */
    static final double RUN_START = 1.5;
    /** Seconds the first stage that computes anything spends loading the runner and the engine. */
    static final double FIRST_STAGE = 2.5;
    /** Seconds to build and start one stage's Beam pipeline. */
    static final double STAGE_START = 0.1;
    /** Seconds every task spends besides its work: reading its inputs, writing and committing its artifact. */
    static final double TASK = 0.02;
    /** The matmul rate (GFLOP/s) of the machine the constants below were measured on. */
    static final double REFERENCE_GFLOPS = 258;
    /** The layers' matmuls of a forward pass run at this fraction of the square-matmul probe (thin matrices). */
    static final double GEMM_EFFICIENCY = 0.57;
    /** Seconds per activation element a forward pass writes (activation, error, copy), at the reference rate. */
    static final double ELEMENT_SECONDS = 0.173e-9;
    /** Seconds per row of a forward pass besides its layers (input, error, loss), at the reference rate. */
    static final double ROW_SECONDS = 30e-9;
    /** Seconds of engine calls per forward pass of one perturbed copy. */
    static final double EVAL_CALL_SECONDS = 0.05e-3;
    /** Seconds per drawn Gaussian number and per direction element summed, at the reference rate. */
    static final double DRAW_SECONDS = 6e-9;
    /** Delta CDG: seconds per (coordinate, row) at the reference rate. */
    static final double CDG_ROW_SECONDS = 2.6e-9;
    /** The line sweep of an lr curve: seconds per (row, weight) at the reference rate. */
    static final double SWEEP_ROW_SECONDS = 4.5e-9;
    /** One line sweep's fixed seconds (its start, the bracket's rounds, the held-out batch). */
    static final double SWEEP_SECONDS = 0.015;
    /** One sr-STE sample: seconds besides its passes (the rounding draws on the host). */
    static final double SR_SAMPLE_SECONDS = 0.065;
    /** One STE pretraining step: seconds besides the forward and backward passes. */
    static final double STEP_SECONDS = 12e-3;

    private final double gflops;
    private final Map<String, Double> factor;
    private final Map<String, Integer> calibrated;

    private CostModel(double gflops, Map<String, Double> factor, Map<String, Integer> calibrated) {
        this.gflops = gflops;
        this.factor = factor;
        this.calibrated = calibrated;
    }

    /** The closed forms alone, at {@code matmulGflops}. */
    public static CostModel uncalibrated(double matmulGflops) {
        return new CostModel(matmulGflops, Map.of(), Map.of());
    }

    /**
     * The closed forms at {@code matmulGflops}, each kind of work scaled by the median ratio of
     * measured to predicted seconds over the tasks of that kind cached in {@code store} that
     * recorded how many tasks ran beside them.
     */
    public static CostModel calibrated(ArtifactStore store, double matmulGflops) throws IOException {
        CostModel prior = uncalibrated(matmulGflops);
        Map<String, Task> byKey = new HashMap<>();
        Map<String, Map<String, Object>> infos = new HashMap<>();
        for (String[] e : store.list()) {
            ArtifactStore.Manifest m = store.manifest(e[0], e[1]);
            if (m != null && m.info().get("task") != null) {
                try {
                    Task t = Task.JSON.convertValue(m.info().get("task"), Task.class);
                    byKey.put(t.key(), t);
                    infos.put(t.key(), m.info());
                } catch (IllegalArgumentException unreadable) {
                    // a task of an older shape: nothing to learn from it
                }
            }
        }
        Map<String, List<Double>> ratios = new LinkedHashMap<>();
        for (Task t : byKey.values()) {
            Map<String, Object> info = infos.get(t.key());
            if (!(info.get("seconds") instanceof Number s) || !(info.get("concurrent") instanceof Number c) || !Stages.names().contains(
                    t.stage())) {
                continue;
            }
            int shared = info.get("computed_with") instanceof Number n ? n.intValue() : 1;
            Task priced = t;
            if (shared > 1 && info.get("pass_samples") instanceof Number most && t.params().path("estimator").isObject()) {
                // a member of a shared NES pass: priced as the pass it was part of, its seconds being an equal share
                com.fasterxml.jackson.databind.node.ObjectNode params = t.params().deepCopy();
                ((com.fasterxml.jackson.databind.node.ObjectNode) params.path("estimator")).put("samples", most.intValue())
                        .put("antithetic", Boolean.TRUE.equals(info.get("pass_antithetic")));
                priced = new Task(t.stage(), t.key(), params, t.inputs());
            }
            Work w = prior.work(t.stage(), List.of(priced), byKey::get); // never throws: an unknown shape gets a fixed guess
            // a task that ran beside others shared the cores with them
            double alone = s.doubleValue() / Math.max(1, c.doubleValue());
            double predicted = priced != t ? w.seconds() / shared : w.seconds();
            if (predicted > 0) {
                ratios.computeIfAbsent(w.kind(), k -> new ArrayList<>()).add(alone / predicted);
            }
        }
        Map<String, Double> factor = new HashMap<>();
        Map<String, Integer> count = new HashMap<>();
        ratios.forEach((k, v) -> {
            double[] r = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            factor.put(k, r[r.length / 2]);
            count.put(k, r.length);
        });
        return new CostModel(matmulGflops, factor, count);
    }

    /** The estimate for {@code plan}, tasks to compute given per stage by key, on {@code slots} slots (1: this machine). */
    public Estimate estimate(Plan plan, Map<String, Collection<String>> pending, int slots) {
        Map<String, Task> byKey = byKey(plan);
        List<StageCost> out = new ArrayList<>();
        double total = RUN_START;
        for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
            Collection<String> todo = pending.getOrDefault(e.getKey(), List.of());
            List<Task> tasks = e.getValue().stream().filter(t -> todo.contains(t.key())).toList();
            if (tasks.isEmpty()) {
                continue;
            }
            List<Double> groups = new ArrayList<>();
            for (List<Task> g : TaskGroups.of(Stages.get(e.getKey()), tasks)) {
                Work w = work(e.getKey(), g, byKey::get);
                groups.add(w.seconds() * factor.getOrDefault(w.kind(), 1.0));
            }
            double seconds = makespan(groups, slots);
            total += (out.isEmpty() ? FIRST_STAGE : 0) + STAGE_START + seconds;
            out.add(new StageCost(e.getKey(), tasks.size(), seconds, source(e.getKey(), tasks, byKey)));
        }
        return new Estimate(out, total, slots);
    }

    /** Predicted seconds of each task of {@code tasks} (a group's members share it equally), by key. */
    public Map<String, Double> taskSeconds(String stage, List<Task> tasks, Plan plan) {
        Map<String, Task> byKey = byKey(plan);
        Map<String, Double> out = new HashMap<>();
        for (List<Task> g : TaskGroups.of(Stages.get(stage), tasks)) {
            Work w = work(stage, g, byKey::get);
            double each = w.seconds() * factor.getOrDefault(w.kind(), 1.0) / g.size();
            g.forEach(t -> out.put(t.key(), each));
        }
        return out;
    }

    /** Every planned task by its key (inputs' parameters are read from their tasks). */
    private static Map<String, Task> byKey(Plan plan) {
        Map<String, Task> byKey = new HashMap<>();
        plan.stages().values().forEach(ts -> ts.forEach(t -> byKey.put(t.key(), t)));
        return byKey;
    }

    /** Where a stage's prediction comes from: calibrated kinds with their cached task counts, or the probe. */
    private String source(String stage, List<Task> tasks, Map<String, Task> byKey) {
        java.util.TreeMap<String, Integer> kinds = new java.util.TreeMap<>();
        for (Task t : tasks) {
            kinds.merge(work(stage, List.of(t), byKey::get).kind(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        for (String k : kinds.keySet()) {
            sb.append(sb.length() == 0 ? "" : ",").append(k).append(calibrated.containsKey(k) ? ":cached_" + calibrated.get(k) : ":probe");
        }
        return sb.toString();
    }

    /** Longest-processing-time-first list scheduling of {@code seconds} on {@code slots} slots: the finish of the last. */
    static double makespan(List<Double> seconds, int slots) {
        PriorityQueue<Double> free = new PriorityQueue<>();
        for (int i = 0; i < Math.max(1, slots); i++) {
            free.add(0.0);
        }
        double end = 0;
        for (double s : seconds.stream().sorted(java.util.Comparator.reverseOrder()).toList()) {
            double at = free.poll() + s;
            end = Math.max(end, at);
            free.add(at);
        }
        return end;
    }

    /** A task's (or group's) kind of work and its predicted seconds alone on this machine, before calibration. */
    record Work(String kind, double seconds) {
    }

    /** The work of one group of {@code stage}'s tasks (most groups are one task); inputs' tasks found by key. */
    Work work(String stage, List<Task> group, java.util.function.Function<String, Task> byKey) {
        try {
            return closedForm(stage, group, byKey);
        } catch (RuntimeException e) {
            return new Work(stage, TASK + 0.5); // a stage whose parameters the forms do not know (a plug-in's): a fixed guess
        }
    }

    private Work closedForm(String stage, List<Task> group, java.util.function.Function<String, Task> byKey) {
        Task t = group.get(0);
        JsonNode p = t.params();
        double speed = gflops / REFERENCE_GFLOPS;
        return switch (stage) {
            case "generate-data" -> new Work(stage, TASK + p.path("rows").asDouble() * p.path("dim").asDouble() * 4e-9 / speed);
            case "init-models" -> new Work(stage, TASK + 0.02 + spec(p).numel() * 1e-7 / speed);
            case "pretrain" -> {
                MlpSpec m = spec(p);
                double batch = p.path("batch").asDouble();
                yield new Work(stage, TASK + p.path("steps").asDouble() * (STEP_SECONDS + 3 * forward(m, batch, false)));
            }
            case "estimate" -> estimate(group, rows(t, byKey));
            case "lr-sweep", "layer-sweep" -> {
                MlpSpec m = spec(p);
                double rows = p.path("point").path("rows").asDouble();
                double sweeps = stage.equals("layer-sweep") ? m.layers() + 2 : 1;
                // an lr sweep also scores its held-out batch and its bracket's rounds: about twice a layer's fixed part
                double fixed = stage.equals("layer-sweep") ? SWEEP_SECONDS : 2.5 * SWEEP_SECONDS;
                yield new Work(stage, TASK + sweeps * (fixed + rows * m.numel() * SWEEP_ROW_SECONDS / speed));
            }
            case "probe" -> {
                MlpSpec m = spec(p);
                double rows = p.path("point").path("rows").asDouble();
                double evals = p.path("candidates").asDouble() + 2 * p.path("nes_directions").asDouble() * p.path("radii").size()
                        + p.path("sr_samples").asDouble() * p.path("lr_points").asDouble();
                yield new Work(stage, TASK + 0.7 + evals * forward(m, rows, true) + rows * m.numel() * SWEEP_ROW_SECONDS / speed);
            }
            case "nes-snr" -> {
                MlpSpec m = spec(p);
                double most = 0;
                for (JsonNode n : p.path("samples")) {
                    most = Math.max(most, n.asDouble());
                }
                double evals = 2 * most * p.path("seeds").asDouble();
                yield new Work(stage, TASK + evals * (forward(m, p.path("point").path("rows").asDouble(), true) + m.numel() * DRAW_SECONDS
                        / speed));
            }
            case "smoothing" -> {
                MlpSpec m = spec(p);
                double evals = 2 * p.path("samples").asDouble() * (m.layers() + 3);
                yield new Work(stage, TASK + evals * forward(m, p.path("point").path("rows").asDouble(), true));
            }
            case "rosenbrock" -> {
                double n = p.path("n").asDouble();
                JsonNode e = p.path("estimator");
                double evalsPerStep = switch (e.path("type").asText()) {
                    case "cdg" -> 2 * n;
                    case "nes" -> 2 * e.path("samples").asDouble();
                    default -> 3;
                };
                yield new Work(stage, TASK + p.path("steps").asDouble() * (1e-6 + evalsPerStep * n * 2e-9 / speed));
            }
            case "cosine" -> new Work(stage, TASK + 0.005 * t.inputList("estimates").size());
            case "summary" -> new Work(stage, TASK + 0.05 + 0.002 * t.inputs().values().stream().mapToInt(List::size).sum());
            case "plot" -> new Work(stage, 2.0 + 0.008 * t.inputs().values().stream().mapToInt(List::size).sum());
            default -> new Work(stage, TASK + 0.5);
        };
    }

    /** Rows of the task's data batch (its {@code data} input's task), or 0 when it has none. */
    private static double rows(Task t, java.util.function.Function<String, Task> byKey) {
        List<TaskRef> data = t.inputList("data");
        Task d = data.isEmpty() ? null : byKey.apply(data.get(0).key());
        return d == null ? 0 : d.params().path("rows").asDouble();
    }

    /** One estimate task, or a shared NES pass over the largest count of its group. */
    private Work estimate(List<Task> group, double rows) {
        bitgrad.transforms.EstimateStage.Params p = StageParams.read(group.get(0).params(), bitgrad.transforms.EstimateStage.Params.class);
        MlpSpec m = p.model();
        Estimator e = p.estimator();
        double speed = gflops / REFERENCE_GFLOPS;
        if (e instanceof NesEstimator) {
            int most = 0;
            boolean minus = false;
            int forms = 0;
            for (Task t : group) {
                NesEstimator n = (NesEstimator) StageParams.read(t.params(), bitgrad.transforms.EstimateStage.Params.class).estimator();
                most = Math.max(most, n.samples());
                minus |= n.antithetic();
                forms++;
            }
            double draws = most * (double) m.numel() * (DRAW_SECONDS + forms * DRAW_SECONDS / 6) / speed;
            return new Work("estimate:nes", TASK + most * (minus ? 2 : 1) * forward(m, rows, true) + draws);
        }
        if (e instanceof CdgEstimator c) {
            return c.method() == CdgEstimator.Method.DENSE
                    ? new Work("estimate:cdg-dense", TASK + 2 * m.numel() * forward(m, rows, true))
                    : new Work("estimate:cdg", TASK + m.numel() * rows * CDG_ROW_SECONDS / speed);
        }
        if (e instanceof SrSteEstimator sr) {
            return new Work("estimate:sr-ste", TASK + sr.samples() * (SR_SAMPLE_SECONDS + 3 * forward(m, rows, false)));
        }
        double passes = e instanceof RandomBackwardSteEstimator r ? 3 * r.samples() : e.family().equals("random") ? 0 : 3;
        return new Work("estimate:" + e.family(), TASK + passes * forward(m, rows, false));
    }

    /**
     * Seconds of one forward pass of {@code m} over {@code rows}: its matmuls at the thin-matrix
     * fraction of the probe, its activation elements, and (for a perturbed copy among many) the
     * engine calls of one copy.
     */
    double forward(MlpSpec m, double rows, boolean copy) {
        double units = 0;
        for (int l = 0; l < m.layers(); l++) {
            units += m.weightShape(l)[0];
        }
        double speed = gflops / REFERENCE_GFLOPS;
        return (copy ? EVAL_CALL_SECONDS : 0) + rows * (ROW_SECONDS + units * ELEMENT_SECONDS) / speed + m.flopsFrom(0, (long) rows) / (GEMM_EFFICIENCY
                * gflops * 1e9);
    }

    private static MlpSpec spec(JsonNode p) {
        return StageParams.read(p.path("model"), MlpSpec.class);
    }
}
