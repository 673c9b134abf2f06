package bitgrad.transforms;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/**
 * A stage as a Beam composite: task JSON in, one result line per task out. Subclasses name the
 * stage and supply its {@link StageFn}.
 */
public abstract class StageTransform extends PTransform<PCollection<String>, PCollection<String>> {

    private final String store;
    private final boolean force;

    /**
     * @param store cache folder
     * @param force recompute tasks even when cached
     */
    protected StageTransform(String store, boolean force) {
        this.store = store;
        this.force = force;
    }

    /** The DoFn computing one task of this stage. */
    protected abstract StageFn fn(String store, boolean force);

    @Override
    public PCollection<String> expand(PCollection<String> tasks) {
        return tasks.apply("Compute", ParDo.of(fn(store, force)));
    }
}
