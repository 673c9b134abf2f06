package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Full-size runs from the researchers' notes; excluded by default, run with {@code mvn verify -Dheavy}. */
@Tag("heavy")
class HeavyEstimatorTest {

    @Test
    void nesWithFiftyThousandSamplesStreamsAndConverges() {
        ToyProblem toy = new ToyProblem(new MlpSpec(32, 4, Quantizer.parse("identity"), false), 1);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(2, 1024, 32))) {
            ParamSet exact = new SteEstimator().estimate(o, 0);
            double cos = Gradients.cosine(exact, NesEstimator.antithetic(1e-3, 50_000).estimate(o, 5));
            double theory = Math.sqrt(50_000.0 / (50_000 + o.point().numel() + 1));
            assertTrue(Math.abs(cos - theory) < 0.03, "cos " + cos + " theory " + theory);
        }
    }

    @Test
    void cdgOnAStreamedBatchOfSixHundredFortyThousandRows() {
        ToyProblem toy = new ToyProblem(new MlpSpec(16, 3, Quantizer.parse("identity"), false), 2);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(3, 640_000, 16))) {
            double cos = Gradients.cosine(new SteEstimator().estimate(o, 0), new CdgEstimator(1e-2).estimate(o, 0));
            assertTrue(cos > 0.999, "cos " + cos);
        }
    }
}
