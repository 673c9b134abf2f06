package bitgrad.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The up-front estimate covers every stage: none is planned at zero memory. */
class BudgetTest {

    @Test
    void everyStageOfThePresetsHasAMemoryEstimate() {
        TreeSet<String> seen = new TreeSet<>();
        for (String preset : List.of("quickstart", "discussion", "resnet-cdg", "rosenbrock")) {
            Plan plan = Planner.plan(ConfigLoader.load(preset, List.of()), "cpu");
            for (Map.Entry<String, List<Task>> e : plan.stages().entrySet()) {
                for (Task t : e.getValue()) {
                    long[] dm = Budget.task(e.getKey(), t);
                    assertTrue(dm[1] > 0, preset + ": no memory estimate for " + e.getKey());
                    assertTrue(dm[0] > 0 || e.getKey().equals("plot"), preset + ": no disk estimate for " + e.getKey());
                }
                seen.add(e.getKey());
            }
        }
        TreeSet<String> builtIn = new TreeSet<>(Stages.names());
        builtIn.removeAll(Planner.extensionStages()); // a plugged-in stage runs when an experiment turns its extension on
        assertEquals(builtIn, seen, "the presets reach every stage");
    }
}
