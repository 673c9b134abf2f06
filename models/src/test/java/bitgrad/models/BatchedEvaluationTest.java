package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.Objective;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The shortcuts inside batched evaluation (prefix computed once, one output column rewritten,
 * stacked copies) must give the losses of plainly evaluated copies.
 */
class BatchedEvaluationTest {

    @ParameterizedTest
    @CsvSource({"identity,false", "sign,false", "sign,true", "ternary,true", "2bit,false"})
    void coordinateShortcutEqualsMaterialisedCopies(String activation, boolean binaryWeights) {
        MlpSpec spec = new MlpSpec(6, 3, Quantizer.parse(activation), binaryWeights);
        ToyProblem toy = new ToyProblem(spec, 21);
        try (TeacherStudentObjective o = toy.objective(new GaussianBatch(8, 300, 6, 128));
                NDManager m = NDManager.newBaseManager();
                NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList params = Nd.toNd(m, o.point());
            for (int t = 0; t < spec.layers(); t++) {
                int n = o.point().get(t).size();
                int[] coords = new int[2 * n];
                float[] deltas = new float[2 * n];
                for (int i = 0; i < n; i++) {
                    coords[i] = i;
                    coords[n + i] = n - 1 - i;
                    deltas[i] = 0.3f;
                    deltas[n + i] = -0.05f * (i + 1);
                }
                float[] fast = o.lossCoordinates(params, t, coords, deltas);
                float[] plain = Objective.coordinatesByCopies(o, params, t, coords, deltas);
                assertArrayEquals(plain, fast, 1e-5f * (1 + Math.abs(plain[0])), "layer " + t);
            }
        }
    }

    @Test
    void zeroShiftGivesTheUnperturbedLoss() {
        ToyProblem toy = new ToyProblem(new MlpSpec(8, 2, Quantizer.parse("sign"), false), 2);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(3, 256, 8));
                NDManager m = NDManager.newBaseManager()) {
            float[] l = o.lossCoordinates(Nd.toNd(m, o.point()), 1, new int[] {0, 5}, new float[] {0f, 0f});
            assertEquals(o.loss(), l[0], 1e-6f);
            assertEquals(o.loss(), l[1], 1e-6f);
        }
    }

    @Test
    void lrSweepStepsMatchSeparateEvaluations() {
        ToyProblem toy = new ToyProblem(new MlpSpec(8, 2, Quantizer.parse("identity"), false), 9);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(4, 512, 8))) {
            ParamSet g = Gradients.normalize(new SteEstimator().estimate(o, 0), Gradients.Norm.GLOBAL);
            float[] lrs = LrSweep.grid(1e-3, 1e-2, 30);
            LrSweep.Result r = LrSweep.sweep(o, g, lrs);
            for (int i : new int[] {0, 7, 29}) {
                float lr = lrs[i];
                ParamSet stepped = o.point().map(t -> {
                    float[] w = o.point().get(t).data().clone();
                    for (int j = 0; j < w.length; j++) {
                        w[j] -= lr * g.get(t).data()[j];
                    }
                    return w;
                });
                assertEquals(o.loss(stepped), r.losses()[i], 1e-5f * o.loss(), "lr " + lr);
            }
            assertTrue(r.decrease()[0] > 0, "a small step along the true gradient goes downhill");
            assertTrue(r.bestDecrease() >= r.decrease()[0]);
            assertEquals(lrs[r.bestIndex()], r.bestLr());
            assertTrue(r.descends());
            ParamSet uphill = g.map(t -> {
                float[] v = g.get(t).data().clone();
                for (int j = 0; j < v.length; j++) {
                    v[j] = -v[j];
                }
                return v;
            });
            LrSweep.Result up = LrSweep.sweep(o, uphill, lrs);
            assertTrue(up.bestDecrease() < 0, "every step against the gradient goes uphill: " + up.bestDecrease());
            assertFalse(up.descends(), "reported as no descent, not as a best lr");
        }
    }

    @Test
    void defaultGridIsTheNotesGrid() {
        float[] g = LrSweep.defaultGrid(500);
        assertEquals(500, g.length);
        assertEquals(1e-4f, g[0], 1e-9f);
        assertEquals(0.0999f, g[499], 1e-6f);
    }
}
