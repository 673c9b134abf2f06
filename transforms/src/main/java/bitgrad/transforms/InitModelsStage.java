package bitgrad.transforms;

import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.schemas.Tables;
import java.util.List;

/** Stage {@code init-models}: the FP teacher's fixed weights and the evaluate model's initial weights. */
public final class InitModelsStage extends Stage<InitModelsStage.Params> {

    /**
     * @param model the evaluate model's shape (the teacher shares dim and depth)
     * @param seed seed of both initialisations
     */
    public record Params(MlpSpec model, long seed) {
    }

    /** The teacher's weights. */
    public static final Output TEACHER = new Output("teacher.arrow", Tables.TENSORS);

    /** The evaluate model's initial weights. */
    public static final Output STUDENT = new Output("student.arrow", Tables.TENSORS);

    public InitModelsStage() {
        super("init-models", 1, Params.class, STUDENT, TEACHER);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        ToyProblem toy = new ToyProblem(c.params().model(), c.params().seed());
        c.write(TEACHER, toy.teacher());
        c.write(STUDENT, toy.student());
        return "dim=" + toy.spec().dim() + " " + toy.spec().activation().name();
    }
}
