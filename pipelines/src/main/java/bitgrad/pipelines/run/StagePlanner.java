package bitgrad.pipelines.run;

import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.transforms.Stage;
import bitgrad.transforms.TaskRef;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The planner of a stage plugged in from another module: named in
 * {@code META-INF/services/bitgrad.pipelines.run.StagePlanner}, beside its stage (named in
 * {@code META-INF/services/bitgrad.transforms.Stage}). An experiment turns it on with {@code extensions.<name>} (its
 * settings, free-form); it then declares its tasks from those settings and the tasks planned before it, after the built-in
 * stages and before the summary. The report's plot task reads its stage, so a plugged-in {@code Part} can draw it.
 */
public interface StagePlanner {

    /** The key under {@code extensions} that turns this planner on. */
    String name();

    /** The stage whose tasks it plans (a stage registered with {@link bitgrad.transforms.Stages}). */
    String stage();

    /** Adds this stage's tasks to the plan. */
    void plan(Context c);

    /** What a planner sees of the plan being built, and how it adds a task. */
    interface Context {

        /** The experiment. */
        ExperimentConfig config();

        /** This planner's settings ({@code extensions.<name>}): an object, maybe empty. */
        JsonNode settings();

        /** The tasks of {@code stage} planned so far, in plan order (empty if none). */
        List<TaskRef> tasks(String stage);

        /** The parameters of a task planned so far. */
        JsonNode params(TaskRef task);

        /** Adds a task (or returns the identical one already planned); its key is derived from its parameters and inputs. */
        <P extends Record> TaskRef add(Stage<P> stage, P params, Map<String, List<TaskRef>> inputs);

        /** A seed derived from the run's seed and {@code coordinates} (the same coordinates give the same seed). */
        long seed(Object... coordinates);
    }
}
