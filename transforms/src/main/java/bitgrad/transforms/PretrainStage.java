package bitgrad.transforms;

import bitgrad.models.estimators.Pretrainer;
import bitgrad.models.nets.MlpSpec;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.List;

/** Stage {@code pretrain}: STE training of the evaluate model on fresh Gaussian batches. Input {@code init}. */
public final class PretrainStage extends Stage<PretrainStage.Params> {

    /**
     * @param model the evaluate model's shape
     * @param optimizer sgd or adam
     * @param lr learning rate
     * @param steps training steps, each on a fresh batch
     * @param batch rows per step
     * @param seed seed of the batches
     */
    public record Params(MlpSpec model, String optimizer, double lr, int steps, int batch, long seed) {
    }

    /** The trained weights (same names as {@link InitModelsStage#STUDENT}). */
    public static final Output STUDENT = new Output("student.arrow", Tables.TENSORS);

    /** Loss per step. */
    public static final Output CURVE = new Output("curve.arrow", Tables.PRETRAIN_CURVE);

    public PretrainStage() {
        super("pretrain", 1, Params.class, STUDENT, CURVE);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        TaskRef init = c.input("init");
        Pretrainer trainer = new Pretrainer(p.optimizer(), p.lr(), p.steps(), p.batch());
        Pretrainer.Result r = trainer.train(p.model(), c.readParams(init, InitModelsStage.TEACHER),
                c.readParams(init, InitModelsStage.STUDENT), p.seed(), step -> { });
        c.write(STUDENT, r.weights());
        ColumnTable curve = Tables.PRETRAIN_CURVE.empty();
        for (int i = 0; i < r.losses().length; i++) {
            curve.add((long) i, (double) r.losses()[i]);
        }
        c.write(CURVE, curve);
        float last = r.losses().length == 0 ? Float.NaN : r.losses()[r.losses().length - 1];
        c.info("final_loss", last);
        c.info("last_tenth_relative_decrease", r.lastTenthRelativeDecrease());
        c.info("plateaued", bitgrad.models.estimators.Pretrainer.Result.plateaued(r.losses()));
        c.info("ends_on_spike", Pretrainer.Result.endsOnSpike(r.losses()));
        return "dim=" + p.model().dim() + " steps=" + trainer.steps() + " loss=" + last;
    }
}
