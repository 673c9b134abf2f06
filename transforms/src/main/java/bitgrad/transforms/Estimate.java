package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Schemas;
import java.util.Map;

/**
 * Stage {@code estimate}: one estimator's raw gradient at the evaluate model on one data batch,
 * {@code gradient.arrow}. Inputs {@code model} (init-models or pretrain: {@code student.arrow}),
 * {@code init} (the teacher), {@code data}; parameters {@code model, estimator, seed}.
 */
public final class Estimate extends StageTransform {

    /** Stage name. */
    public static final String NAME = "estimate";

    public Estimate(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new EstimateFn(store, force);
    }

    /** The objective of a task with inputs model, init and data (shared with lr-sweep). */
    static TeacherStudentObjective objective(StageFn fn, Task task, ArrowBatch data) throws java.io.IOException {
        MlpSpec spec = Specs.model(task.param("model"));
        ParamSet teacher = fn.readParams(task.input("init"), "teacher.arrow");
        ParamSet point = fn.readParams(task.input("model"), "student.arrow");
        return new TeacherStudentObjective(spec, teacher, point, data);
    }

    static ArrowBatch data(StageFn fn, Task task) throws java.io.IOException {
        return new ArrowBatch(fn.path(task.input("data"), GenerateData.FILE), task.param("model.dim").asInt());
    }

    static final class EstimateFn extends StageFn {
        EstimateFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            Estimator e = Specs.estimator(task.param("estimator"));
            try (ArrowBatch data = data(this, task); TeacherStudentObjective o = objective(this, task, data)) {
                long t0 = System.nanoTime();
                ParamSet g = e.estimate(o, task.param("seed").asLong());
                info.put("estimate_seconds", (System.nanoTime() - t0) / 1e9);
                info.put("nominal_flops", e.nominalFlops(o));
                for (var t : g.tensors()) {
                    for (float v : t.data()) {
                        if (!Float.isFinite(v)) {
                            throw new ArithmeticException(e.label() + " produced a non-finite gradient (loss is " + o.loss() + ")");
                        }
                    }
                }
                ArrowFiles.write(out.file("gradient.arrow"), Schemas.toTable(g));
            }
            return e.label() + " dim=" + task.param("model.dim").asInt();
        }
    }
}
