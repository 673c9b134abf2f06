package bitgrad.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import bitgrad.transforms.TaskRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The planner on its own (no engine, no Beam): the grid's task counts, stable keys, the DAG's order, what a change touches. */
class PlannerTest {

    private static Plan plan(String... sets) {
        List<String> all = new ArrayList<>(List.of("dims=[8]", "num_init=2", "data.num_batch=2", "data.batch=[1024]"));
        all.addAll(List.of(sets));
        return Planner.plan(ConfigLoader.load("hparam-search", all), "cpu");
    }

    private static Map<String, String> keysByParams(Plan p, String stage) {
        Map<String, String> m = new HashMap<>();
        p.tasks(stage).forEach(t -> m.put(t.params().toString(), t.key()));
        return m;
    }

    @Test
    void theGridGivesOneEstimateAndOneSweepPerPointAndEstimator() {
        Plan p = plan("estimators.nes.samples=[500]");
        // ste, random, 4 CDG eps, 4 NES sigmas x 1 count, sr-ste 1 tau x 2 k: 12 estimators; 1 dim x 2 inits x 2 batches: 4 points
        assertEquals(48, p.tasks("estimate").size());
        assertEquals(48, p.tasks("lr-sweep").size());
        assertEquals(4, p.tasks("cosine").size());
        assertEquals(2, p.tasks("init-models").size());
        assertEquals(1, p.tasks("summary").size());
        Plan more = plan("estimators.nes.samples=[500,5000]");
        assertEquals(48 + 16, more.tasks("estimate").size(), "a second sample count adds one NES estimate per sigma and point");
    }

    @Test
    void planningTwiceGivesTheSameKeysAndEveryInputComesEarlier() {
        Plan a = plan();
        Plan b = plan();
        Set<String> seen = new HashSet<>();
        List<String> order = Stages.names();
        int last = -1;
        for (Map.Entry<String, List<Task>> e : a.stages().entrySet()) {
            assertTrue(order.indexOf(e.getKey()) > last, "stages in DAG order: " + a.stages().keySet());
            last = order.indexOf(e.getKey());
            assertEquals(e.getValue().stream().map(Task::key).toList(), b.tasks(e.getKey()).stream().map(Task::key).toList(), e.getKey());
            for (Task t : e.getValue()) {
                for (List<TaskRef> refs : t.inputs().values()) {
                    refs.forEach(r -> assertTrue(seen.contains(r.stage() + "/" + r.key()), t.stage() + " reads " + r + " before it is planned"));
                }
            }
            e.getValue().forEach(t -> seen.add(t.stage() + "/" + t.key()));
        }
    }

    @Test
    void aChangedNesSigmaChangesOnlyNesTasksAndWhatReadsThem() {
        Map<String, String> before = keysByParams(plan(), "estimate");
        Map<String, String> after = keysByParams(plan("estimators.nes.sigma=[0.3,0.1,0.03,0.02]"), "estimate");
        int kept = 0;
        for (Map.Entry<String, String> e : before.entrySet()) {
            if (after.containsKey(e.getKey())) {
                assertEquals(e.getValue(), after.get(e.getKey()), "same parameters, same key: " + e.getKey());
                kept++;
            } else {
                assertTrue(e.getKey().contains("\"sigma\":0.01"), "only the dropped sigma's tasks go: " + e.getKey());
            }
        }
        assertEquals(before.size() - 12, kept, "3 NES counts x 4 points of sigma 0.01 replaced");
        assertEquals(keysByParams(plan(), "init-models"), keysByParams(plan("estimators.nes.sigma=[0.3]"), "init-models"));
    }

    @Test
    void initsAndBatchesDrawDifferentSeedsAndTheFormsOfASigmaOne() {
        Plan p = plan("estimators.nes.modes=[antithetic,one-sided]");
        Set<Long> models = new HashSet<>();
        p.tasks("init-models").forEach(t -> models.add(t.params().path("seed").asLong()));
        assertEquals(2, models.size(), "two inits, two seeds");
        Set<Long> data = new HashSet<>();
        p.tasks("generate-data").forEach(t -> data.add(t.params().path("seed").asLong()));
        assertEquals(p.tasks("generate-data").size(), data.size(), "every batch (and held-out batch) its own seed");
        Map<String, Long> nesSeed = new HashMap<>();
        for (Task t : p.tasks("estimate")) {
            var e = t.params().path("estimator");
            if (e.path("type").asText().equals("nes")) {
                String at = e.path("sigma").asText() + "|" + t.inputs().get("data").get(0).key() + "|" + t.inputs().get("model").get(0).key();
                Long prior = nesSeed.putIfAbsent(at, t.params().path("seed").asLong());
                assertTrue(prior == null || prior == t.params().path("seed").asLong(), "one seed per sigma, batch and model: " + at);
            }
        }
        assertNotEquals(1, new HashSet<>(nesSeed.values()).size(), "other sigmas and batches draw other directions");
    }
}
