package bitgrad.pipelines.extending;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import bitgrad.transforms.InitModelsStage;
import bitgrad.transforms.Stage;
import bitgrad.transforms.StageContext;

/**
 * A stage plugged in from outside {@code transforms/} (the README's worked example): the p-norm of every tensor of an
 * initialised student. One line in {@code META-INF/services/bitgrad.transforms.Stage} registers it; its planner
 * ({@link WeightNormsPlanner}) plans one task per model, its part ({@link WeightNormsPart}) draws them. Input {@code init}.
 */
public final class WeightNormsStage extends Stage<WeightNormsStage.Params> {

    /** @param power the p of the p-norm */
    public record Params(int power) {
    }

    /** The table it writes: one row per tensor. */
    public static final Tables.Schema NORMS_SCHEMA = new Tables.Schema("weight_norms", new Object[] {"tensor", ColumnType.STRING,
        "norm", ColumnType.DOUBLE, "elements", ColumnType.LONG});

    /** Its one output. */
    public static final Output NORMS = new Output("norms.arrow", NORMS_SCHEMA);

    public WeightNormsStage() {
        super("weight-norms", 1, Params.class, NORMS);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        ParamSet student = c.readParams(c.input("init"), InitModelsStage.STUDENT);
        ColumnTable t = NORMS_SCHEMA.empty();
        int p = c.params().power();
        for (HostTensor w : student.tensors()) {
            double sum = 0;
            for (float v : w.data()) {
                sum += Math.pow(Math.abs(v), p);
            }
            t.add(w.name(), Math.pow(sum, 1.0 / p), (long) w.data().length);
        }
        c.write(NORMS, t);
        return t.rows() + " tensors";
    }
}
