package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.RandomDirectionEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.ArrayBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The random-direction control: seeded, one unit direction per layer, and blind to the loss. */
class RandomDirectionEstimatorTest {

    @Test
    void itIsSeededUnitPerLayerAndUncorrelatedWithTheGradient() {
        MlpSpec spec = new MlpSpec(8, 2, Quantizer.parse("identity"), false);
        ToyProblem toy = new ToyProblem(spec, 3);
        SplittableRandom r = new SplittableRandom(1);
        float[] x = new float[512 * spec.dim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        RandomDirectionEstimator e = new RandomDirectionEstimator();
        assertEquals(e, Estimators.decode(e.specJson()), "its spec decodes to itself");
        try (TeacherStudentObjective o = toy.objective(new ArrayBatch(x, spec.dim(), 128))) {
            ParamSet a = e.estimate(o, 7);
            assertArrayEquals(a.flatten(), e.estimate(o, 7).flatten(), "same seed, same direction");
            assertTrue(Gradients.cosine(a.flatten(), e.estimate(o, 8).flatten()) < 0.9, "another seed, another direction");
            for (int t = 0; t < a.count(); t++) {
                float[] v = a.get(t).data();
                assertEquals(1.0, Math.sqrt(Gradients.dot(v, v)), 1e-5, "unit norm per tensor " + t);
                assertEquals(o.point().get(t).size(), v.length);
            }
            // over many seeds its cosine with the exact (identity-activation) gradient averages to zero
            float[] g = new SteEstimator().estimate(o, 0).flatten();
            double sum = 0;
            int n = 200;
            for (int s = 0; s < n; s++) {
                sum += Gradients.cosine(e.estimate(o, 100 + s).flatten(), g);
            }
            double sd = 1 / Math.sqrt(a.numel()); // a random unit vector's cosine with a fixed one
            assertEquals(0, sum / n, 4 * sd / Math.sqrt(n), "no information about the loss");
        }
    }
}
