package bitgrad.transforms;

import bitgrad.models.objectives.ToyProblem;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.Schemas;
import java.util.Map;

/**
 * Stage {@code init-models}: the FP teacher and the evaluate model's initial weights
 * ({@code teacher.arrow}, {@code student.arrow}). Parameters: {@code model, seed}.
 */
public final class InitModels extends StageTransform {

    /** Stage name. */
    public static final String NAME = "init-models";

    public InitModels(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new InitModelsFn(store, force);
    }

    static final class InitModelsFn extends StageFn {
        InitModelsFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            ToyProblem toy = new ToyProblem(Specs.model(task.param("model")), task.param("seed").asLong());
            ArrowFiles.write(out.file("teacher.arrow"), Schemas.toTable(toy.teacher()));
            ArrowFiles.write(out.file("student.arrow"), Schemas.toTable(toy.student()));
            return "dim=" + toy.spec().dim() + " " + toy.spec().activation().name();
        }
    }
}
