package bitgrad.pipelines.run;

import bitgrad.models.Seeds;
import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.pipelines.report.PlotStage;
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
 * Expands an experiment into its tasks by composing planners, each of which declares its stages' tasks from its part of the
 * config and the tasks planned before it: the toy MLP grid ({@link MlpGridPlanner}), Rosenbrock ({@link RosenbrockPlanner}),
 * the ResNet check ({@link ResNetPlanner}), then the plugged-in stages the experiment turns on ({@link StagePlanner}), and
 * last the summary and the report, which read them all. A task's key is derived from its parameters and inputs
 * ({@link CacheKeys}), so the same task planned twice (data shared by activations) is one task.
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
        requireAtMost(points * MlpGridPlanner.estimators(c).size(), "estimates");
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

    private void build() {
        // the sections that plan themselves from their part of the config, then the plugged-in stages
        Context context = new Context(null);
        MlpGridPlanner.Planned grid = MlpGridPlanner.plan(context);
        List<TaskRef> ros = RosenbrockPlanner.plan(context);
        ResNetPlanner.plan(context);
        List<String> plugged = extensions();
        add(Stages.SUMMARY, new SummaryStage.Params(), Map.of("sweeps", grid.sweeps(), "cosines", grid.cosines(), "rosenbrock", ros));
        Map<String, List<TaskRef>> shown = new LinkedHashMap<>();
        List<String> reads = new ArrayList<>(PlotStage.READS);
        reads.addAll(plugged);
        for (String stage : reads) {
            List<TaskRef> refs = context.tasks(stage);
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

    /** What a planner (a built-in section's or a plugged-in stage's) sees of the plan being built. */
    private final class Context implements StagePlanner.Context {
        private final com.fasterxml.jackson.databind.JsonNode settings;

        Context(com.fasterxml.jackson.databind.JsonNode settings) {
            this.settings = settings == null || !settings.isObject() ? bitgrad.transforms.Task.JSON.createObjectNode() : settings;
        }

        @Override
        public ExperimentConfig config() {
            return c;
        }

        @Override
        public com.fasterxml.jackson.databind.JsonNode settings() {
            return settings;
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
            sp.plan(new Context(e.getValue()));
            if (!out.contains(sp.stage())) {
                out.add(sp.stage());
            }
        }
        return out;
    }

}
