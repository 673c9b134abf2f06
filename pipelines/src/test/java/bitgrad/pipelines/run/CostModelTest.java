package bitgrad.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.NesEstimator;
import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.schemas.ArtifactStore;
import bitgrad.transforms.EstimateStage;
import bitgrad.transforms.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cost model's closed forms, its calibration from cached tasks and its cluster schedule. */
class CostModelTest {

    private static final CostModel MODEL = CostModel.uncalibrated(CostModel.REFERENCE_GFLOPS);

    private static Plan plan(String... sets) {
        List<String> overrides = new ArrayList<>(List.of("dims=[16]", "num_init=1", "data.num_batch=1", "data.batch=[16000]"));
        overrides.addAll(List.of(sets));
        return Planner.plan(ConfigLoader.load("hparam-search", overrides), "cpu");
    }

    private static Map<String, Task> byKey(Plan p) {
        Map<String, Task> m = new HashMap<>();
        p.stages().values().forEach(ts -> ts.forEach(t -> m.put(t.key(), t)));
        return m;
    }

    /** The planned NES estimates of {@code p} (sigma 0.1) with their group's prediction as one. */
    private static double nesSeconds(Plan p) {
        List<Task> nes = p.tasks("estimate").stream().filter(t -> t.params().path("estimator").path("type").asText().equals("nes")
                && t.params().path("estimator").path("sigma").asDouble() == 0.1).toList();
        return MODEL.work("estimate", nes, byKey(p)::get).seconds();
    }

    @Test
    void nesCostFollowsItsEvaluationsAndAGroupCostsItsLargestCount() {
        double n500 = nesSeconds(plan("estimators.nes.samples=[500]"));
        double n5000 = nesSeconds(plan("estimators.nes.samples=[5000]"));
        double nested = nesSeconds(plan("estimators.nes.samples=[500,5000]"));
        assertEquals(10, n5000 / n500, 0.2, "ten times the samples");
        assertEquals(1, nested / n5000, 0.02, "500 and 5000 in one pass cost about the 5000 alone");
        double anti = nesSeconds(plan("estimators.nes.samples=[500]", "estimators.nes.modes=[antithetic]"));
        double one = nesSeconds(plan("estimators.nes.samples=[500]", "estimators.nes.modes=[one-sided]"));
        double all = nesSeconds(plan("estimators.nes.samples=[500]", "estimators.nes.modes=[antithetic,one-sided,no-baseline]"));
        assertEquals(2, anti / one, 0.1, "two evaluations per direction against one");
        assertEquals(1, all / anti, 0.05, "the three forms share the antithetic pass");
    }

    @Test
    void widerModelsCostMoreThanTheirRowsAndSamplesAlone() {
        Plan small = plan("estimators.nes.samples=[500]");
        Plan wide = plan("estimators.nes.samples=[500]", "dims=[64]");
        double ratio = nesSeconds(wide) / nesSeconds(small);
        // 16x the matmul FLOPs, but per-row and per-call costs do not grow: between 3x and 16x
        assertTrue(ratio > 3 && ratio < 16, "dim 64 / dim 16 = " + ratio);
    }

    @Test
    void listSchedulingPutsTheLongestFirstOnTheFreestSlot() {
        List<Double> tasks = List.of(3.0, 5.0, 3.0, 4.0, 3.0);
        assertEquals(18, CostModel.makespan(tasks, 1), 1e-12);
        assertEquals(10, CostModel.makespan(tasks, 2), 1e-12, "5 | 4, 3 -> 7 | 3 -> 8 | 3 -> 10");
        assertEquals(5, CostModel.makespan(tasks, 5), 1e-12, "one task per slot: the longest");
        assertEquals(5, CostModel.makespan(tasks, 50), 1e-12);
    }

    @Test
    void aClusterShortensTheComputeButNotTheFixedCosts() {
        Plan p = plan("estimators.nes.samples=[500]");
        Map<String, Collection<String>> all = new HashMap<>();
        p.stages().forEach((s, ts) -> all.put(s, ts.stream().map(Task::key).toList()));
        CostModel.Estimate one = MODEL.estimate(p, all, 1);
        CostModel.Estimate many = MODEL.estimate(p, all, 64);
        double fixed = CostModel.RUN_START + CostModel.FIRST_STAGE + CostModel.STAGE_START * one.stages().size();
        double compute1 = one.seconds() - fixed;
        double compute64 = many.seconds() - fixed;
        // 64 slots take about the longest task (or group) of each stage; the plot is one task either way
        assertTrue(compute64 < compute1 / 2, "64 slots: " + compute64 + " s of compute against " + compute1 + " s");
        assertTrue(compute64 > 0, "the longest tasks stay");
        assertEquals(CostModel.RUN_START, MODEL.estimate(p, Map.of(), 1).seconds(), 1e-12, "nothing to compute");
    }

    /** Cached tasks that took three times the prediction (two at a time: six times, in wall seconds) triple it. */
    @Test
    void cachedTasksOfAKindScaleItsPrediction(@TempDir Path dir) throws Exception {
        Plan p = plan("estimators.nes.samples=[500]");
        Map<String, Task> byKey = byKey(p);
        ArtifactStore store = new ArtifactStore(dir.resolve("cache"));
        List<Task> nes = p.tasks("estimate").stream().filter(t -> t.params().path("estimator").path("type").asText().equals("nes")).toList();
        for (Task t : nes) {
            double predicted = MODEL.work("estimate", List.of(t), byKey::get).seconds();
            cache(store, t, Map.of("seconds", 6 * predicted, "concurrent", 2));
        }
        for (Task t : p.tasks("generate-data")) { // the estimates' rows come from their data tasks
            cache(store, t, Map.of("seconds", 0.01));
        }
        CostModel calibrated = CostModel.calibrated(store, CostModel.REFERENCE_GFLOPS);
        Map<String, Collection<String>> todo = Map.of("estimate", nes.stream().map(Task::key).toList());
        CostModel.StageCost before = MODEL.estimate(p, todo, 1).stages().get(0);
        CostModel.StageCost after = calibrated.estimate(p, todo, 1).stages().get(0);
        assertEquals(3, after.seconds() / before.seconds(), 1e-9);
        assertEquals("estimate:nes:probe", before.source());
        assertEquals("estimate:nes:cached_" + nes.size(), after.source());
        // a task without the record of what ran beside it teaches nothing
        ArtifactStore old = new ArtifactStore(dir.resolve("old"));
        for (Task t : nes) {
            cache(old, t, Map.of("seconds", 100.0));
        }
        assertEquals(before.seconds(), CostModel.calibrated(old, CostModel.REFERENCE_GFLOPS).estimate(p, todo, 1).stages().get(0).seconds(),
                1e-9);
    }

    private static void cache(ArtifactStore store, Task t, Map<String, Object> facts) throws Exception {
        Map<String, Object> info = new HashMap<>(facts);
        info.put("task", Task.JSON.readTree(t.toJson()));
        try (ArtifactStore.Pending w = store.begin(t.stage(), t.key())) {
            Files.writeString(w.file("x.txt"), "x");
            w.commit(info, false);
        }
    }

    @Test
    void theFormsOfOneSigmaArePlannedWithOneSeed() {
        Plan p = plan("estimators.nes.samples=[500]", "estimators.nes.modes=[antithetic,one-sided,no-baseline]");
        Map<String, Long> seeds = new HashMap<>();
        for (Task t : p.tasks("estimate")) {
            var e = t.params().path("estimator");
            if (e.path("type").asText().equals("nes")) {
                seeds.merge(e.path("sigma").asText(), t.params().path("seed").asLong(), (a, b) -> {
                    assertEquals(a, b, "one seed per sigma");
                    return a;
                });
            }
        }
        assertEquals(4, seeds.size(), "four sigmas");
        assertEquals(4, bitgrad.transforms.TaskGroups.of(bitgrad.transforms.Stages.ESTIMATE, p.tasks("estimate").stream()
                .filter(t -> t.params().path("estimator").path("type").asText().equals("nes")).toList()).size(), "one group per sigma");
        assertTrue(new NesEstimator(0.1, 1, false, true, false).seedIdentity().contains("\"antithetic\":true"));
        assertTrue(EstimateStage.GRADIENT.file().endsWith(".arrow"));
    }
}
