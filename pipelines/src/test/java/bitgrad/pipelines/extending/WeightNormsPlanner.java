package bitgrad.pipelines.extending;

import bitgrad.pipelines.run.StagePlanner;
import bitgrad.transforms.Stages;
import bitgrad.transforms.TaskRef;
import java.util.List;
import java.util.Map;

/** The planner of {@link WeightNormsStage}: one task per initialised model; {@code extensions.weight-norms.power} (default 2). */
public final class WeightNormsPlanner implements StagePlanner {

    @Override
    public String name() {
        return "weight-norms";
    }

    @Override
    public String stage() {
        return "weight-norms";
    }

    @Override
    public void plan(Context c) {
        int power = c.settings().path("power").asInt(2);
        if (power < 1) {
            throw new bitgrad.pipelines.config.ConfigException("extensions.weight-norms.power must be 1 or more, got " + power);
        }
        WeightNormsStage stage = (WeightNormsStage) Stages.get(stage());
        for (TaskRef init : c.tasks("init-models")) {
            c.add(stage, new WeightNormsStage.Params(power), Map.of("init", List.of(init)));
        }
    }
}
