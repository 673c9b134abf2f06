package bitgrad.transforms;

import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;

/** A stage as a Beam composite: task JSON in, one result line per task out, through the one {@link StageFn}. */
public final class StageTransform extends PTransform<PCollection<String>, PCollection<String>> {

    private final String stage;
    private final String store;
    private final boolean force;

    /**
     * @param stage stage name (see {@link Stages})
     * @param store cache folder
     * @param force recompute tasks even when cached
     */
    public StageTransform(String stage, String store, boolean force) {
        this.stage = stage;
        this.store = store;
        this.force = force;
    }

    @Override
    public PCollection<String> expand(PCollection<String> tasks) {
        return tasks.apply("Compute", ParDo.of(new StageFn(stage, store, force)));
    }
}
