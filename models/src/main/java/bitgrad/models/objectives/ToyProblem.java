package bitgrad.models.objectives;

import bitgrad.models.Seeds;
import bitgrad.models.nets.Mlp;
import bitgrad.models.nets.MlpSpec;
import bitgrad.schemas.ParamSet;

/**
 * The teacher-student toy setting of science.md §1: an FP teacher and an evaluate model of
 * the same shape, initialised from separate seeds derived from one model seed.
 *
 * @param spec the evaluate model's shape (and which teacher: {@link MlpSpec#teacherSpec})
 * @param seed model seed: teacher from {@code derive(seed, "teacher")}, student from
 *     {@code derive(seed, "student")}
 */
public record ToyProblem(MlpSpec spec, long seed) {

    /** The teacher's weights. */
    public ParamSet teacher() {
        ParamSet w = Mlp.init(spec.teacherSpec(), Seeds.derive(seed, "teacher"));
        float scale = (float) spec.teacherScale();
        return scale == 1f ? w : w.map(t -> {
            float[] x = w.get(t).data().clone();
            for (int i = 0; i < x.length; i++) {
                x[i] *= scale;
            }
            return x;
        });
    }

    /** The evaluate model's initial weights. */
    public ParamSet student() {
        return Mlp.init(spec, Seeds.derive(seed, "student"));
    }

    /** The MSE objective at the student's initial weights on {@code batch}. */
    public TeacherStudentObjective objective(Batch batch) {
        return new TeacherStudentObjective(spec, teacher(), student(), batch);
    }

    /** The MSE objective at {@code point} on {@code batch}. */
    public TeacherStudentObjective objective(ParamSet point, Batch batch) {
        return new TeacherStudentObjective(spec, teacher(), point, batch);
    }
}
