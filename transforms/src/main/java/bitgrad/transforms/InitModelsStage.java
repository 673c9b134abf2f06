package bitgrad.transforms;

import bitgrad.models.nets.MlpSpec;
import bitgrad.models.Seeds;
import bitgrad.models.nets.QuantizerScale;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.util.List;

/**
 * Stage {@code init-models}: the FP teacher's fixed weights and the evaluate model's initial
 * weights, optionally put on the quantizer's scale ({@link QuantizerScale#normalize}, on a
 * Gaussian batch of {@link #SCALE_ROWS} rows like the data's); its record gives each hidden
 * layer's pre-activation std and level occupancy at that point ({@code pre_activation_std},
 * {@code occupancy}).
 */
public final class InitModelsStage extends Stage<InitModelsStage.Params> {

    /**
     * @param model the evaluate model's shape (the teacher shares dim and depth)
     * @param seed seed of both initialisations
     * @param normalize true: each hidden layer's pre-activation rescaled to unit std (null or false: as drawn)
     */
    public record Params(MlpSpec model, long seed, Boolean normalize) {

        /** As drawn. */
        public Params(MlpSpec model, long seed) {
            this(model, seed, null);
        }
    }

    /** Rows of the Gaussian batch the scale and the occupancy are measured on. */
    public static final int SCALE_ROWS = 4096;

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
        MlpSpec spec = c.params().model();
        GaussianBatch batch = GaussianBatch.of(Seeds.derive(c.params().seed(), "quantizer-scale"), SCALE_ROWS, spec.dim());
        ParamSet student = Boolean.TRUE.equals(c.params().normalize()) ? QuantizerScale.normalize(spec, toy.student(), batch) : toy.student();
        c.write(TEACHER, toy.teacher());
        c.write(STUDENT, student);
        c.info("pre_activation_std", java.util.Arrays.stream(QuantizerScale.preActivationStd(spec, student, batch)).boxed().toList());
        List<java.util.Map<String, Double>> occupancy = new java.util.ArrayList<>();
        for (java.util.Map<Float, Double> layer : QuantizerScale.occupancy(spec, student, batch)) {
            java.util.Map<String, Double> named = new java.util.LinkedHashMap<>();
            layer.forEach((level, share) -> named.put(String.valueOf(level), share));
            occupancy.add(named);
        }
        c.info("occupancy", occupancy);
        return "dim=" + toy.spec().dim() + " " + toy.spec().activation().name();
    }
}
