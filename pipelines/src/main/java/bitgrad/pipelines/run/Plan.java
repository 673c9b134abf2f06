package bitgrad.pipelines.run;

import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.transforms.Task;
import java.util.List;
import java.util.Map;

/**
 * Every task an experiment needs, stage by stage in DAG order, with its cache key; computed from
 * the configuration alone, so {@code status} can tell what is cached without running anything.
 *
 * @param loaded the experiment
 * @param stages stage name to its tasks, in an order where inputs come first
 */
public record Plan(ConfigLoader.Loaded loaded, Map<String, List<Task>> stages) {

    /** Tasks of {@code stage} (empty when the experiment does not use it). */
    public List<Task> tasks(String stage) {
        return stages.getOrDefault(stage, List.of());
    }
}
