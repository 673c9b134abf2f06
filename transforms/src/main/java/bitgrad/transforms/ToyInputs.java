package bitgrad.transforms;

import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ParamSet;
import java.io.IOException;

/**
 * The teacher-student problem of a task with inputs {@code model} (init-models or pretrain),
 * {@code init} (the teacher) and {@code data}: what estimate, lr-sweep and probe all evaluate.
 */
final class ToyInputs {

    private ToyInputs() {
    }

    /** The data batch, streamed slice by slice. */
    static ArrowBatch data(StageContext<?> c, MlpSpec spec) throws IOException {
        return new ArrowBatch(c.path(c.input("data"), GenerateDataStage.DATA), spec.dim());
    }

    /** The held-out batch (input {@code heldout}): same distribution, never seen by an estimate. */
    static ArrowBatch heldout(StageContext<?> c, MlpSpec spec) throws IOException {
        return new ArrowBatch(c.path(c.input("heldout"), GenerateDataStage.DATA), spec.dim());
    }

    /** The objective at the evaluate model's weights on {@code data}. */
    static TeacherStudentObjective objective(StageContext<?> c, MlpSpec spec, ArrowBatch data) throws IOException {
        TaskRef model = c.input("model");
        ParamSet teacher = c.readParams(c.input("init"), InitModelsStage.TEACHER);
        ParamSet point = c.readParams(model, model.stage().equals("pretrain") ? PretrainStage.STUDENT : InitModelsStage.STUDENT);
        return new TeacherStudentObjective(spec, teacher, point, data);
    }
}
