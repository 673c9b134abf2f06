package bitgrad.transforms;

import bitgrad.models.estimators.Pretrainer;
import bitgrad.models.nets.MlpSpec;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.schemas.Schemas;
import java.util.Map;

/**
 * Stage {@code pretrain}: STE training of the evaluate model on fresh Gaussian batches; the
 * checkpoint {@code student.arrow} and the curve {@code curve.arrow} (step, loss). Input
 * {@code init}; parameters {@code model, optimizer, lr, steps, batch, seed}.
 */
public final class Pretrain extends StageTransform {

    /** Stage name. */
    public static final String NAME = "pretrain";

    public Pretrain(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new PretrainFn(store, force);
    }

    static final class PretrainFn extends StageFn {
        PretrainFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            TaskRef init = task.input("init");
            MlpSpec spec = Specs.model(task.param("model"));
            Pretrainer trainer = new Pretrainer(task.param("optimizer").asText(), task.param("lr").asDouble(),
                    task.param("steps").asInt(), task.param("batch").asInt());
            Pretrainer.Result r = trainer.train(spec, readParams(init, "teacher.arrow"), readParams(init, "student.arrow"),
                    task.param("seed").asLong(), step -> { });
            ArrowFiles.write(out.file("student.arrow"), Schemas.toTable(r.weights()));
            ColumnTable curve = new ColumnTable("pretrain_curve", "step", ColumnType.LONG, "loss", ColumnType.DOUBLE);
            for (int i = 0; i < r.losses().length; i++) {
                curve.add(i, (double) r.losses()[i]);
            }
            ArrowFiles.write(out.file("curve.arrow"), curve);
            float last = r.losses().length == 0 ? Float.NaN : r.losses()[r.losses().length - 1];
            info.put("final_loss", last);
            return "dim=" + spec.dim() + " steps=" + trainer.steps() + " loss=" + last;
        }
    }
}
