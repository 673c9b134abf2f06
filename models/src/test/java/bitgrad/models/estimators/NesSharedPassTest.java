package bitgrad.models.estimators;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One pass over shared directions gives every NES form at every nested count: each equal, bit for
 * bit, to the form's estimate alone, and each the textbook formula evaluated direction by direction.
 */
class NesSharedPassTest {

    private static final double SIGMA = 0.05;

    private static List<NesEstimator> forms() {
        return List.of(new NesEstimator(SIGMA, 40, true, true, false), new NesEstimator(SIGMA, 40, false, true, false),
                new NesEstimator(SIGMA, 40, false, false, false), new NesEstimator(SIGMA, 120, true, true, false),
                new NesEstimator(SIGMA, 120, false, true, false), new NesEstimator(SIGMA, 120, false, false, false));
    }

    /** Rows such that the objective runs one copy per group (many rows) or several (few rows). */
    private static void sharedEqualsAlone(int rows) {
        ToyProblem toy = new ToyProblem(new MlpSpec(8, 3, Quantizer.parse("sign"), false), 3);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(4, rows, 8))) {
            List<ParamSet> shared = NesEstimator.estimateShared(o, 17, forms());
            for (int f = 0; f < forms().size(); f++) {
                ParamSet alone = forms().get(f).estimate(o, 17);
                for (int t = 0; t < alone.count(); t++) {
                    assertArrayEquals(alone.get(t).data(), shared.get(f).get(t).data(), 0f, forms().get(f).label() + " tensor " + t);
                }
            }
        }
    }

    @Test
    void everyFormAndCountOfTheSharedPassEqualsItsEstimateAloneBitForBit() {
        sharedEqualsAlone(3000);
        sharedEqualsAlone(64);
    }

    @Test
    void eachFormIsTheTextbookSumOverItsDirections() {
        ToyProblem toy = new ToyProblem(new MlpSpec(6, 2, Quantizer.parse("sign"), false), 5);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(9, 2000, 6))) {
            List<ParamSet> shared = NesEstimator.estimateShared(o, 23, forms());
            ParamSet w = o.point();
            int numel = Math.toIntExact(w.numel());
            double base = o.loss();
            double[][] sums = new double[3][numel];
            float[] u = new float[numel];
            for (int k = 0; k < 40; k++) {
                NesEstimator.direction(23, k, u, 0, numel);
                double plus = o.loss(shift(w, u, SIGMA));
                double minus = o.loss(shift(w, u, -SIGMA));
                for (int j = 0; j < numel; j++) {
                    sums[0][j] += (plus - minus) / (2 * SIGMA) * u[j];
                    sums[1][j] += (plus - base) / SIGMA * u[j];
                    sums[2][j] += plus / SIGMA * u[j];
                }
            }
            for (int f = 0; f < 3; f++) {
                float[] got = flat(shared.get(f));
                double err = 0;
                double norm = 0;
                for (int j = 0; j < numel; j++) {
                    double want = sums[f][j] / 40;
                    err += (got[j] - want) * (got[j] - want);
                    norm += want * want;
                }
                // the dense forward rounds the first layer differently: a row at a threshold may flip
                assertTrue(Math.sqrt(err / norm) < 1e-3, forms().get(f).label() + " relative error " + Math.sqrt(err / norm));
            }
        }
    }

    @Test
    void theFormsDrawTheSameDirectionsAndOtherSigmasOthers() {
        NesEstimator anti = new NesEstimator(SIGMA, 500, true, true, false);
        assertEquals(anti.seedIdentity(), new NesEstimator(SIGMA, 5000, false, true, false).seedIdentity());
        assertEquals(anti.seedIdentity(), new NesEstimator(SIGMA, 50, false, false, false).seedIdentity());
        assertNotEquals(anti.seedIdentity(), NesEstimator.antithetic(0.1, 500).seedIdentity());
        assertNotEquals(anti.seedIdentity(), new NesEstimator(SIGMA, 500, true, true, true).seedIdentity());
    }

    @Test
    void aSharedPassRefusesMixedSigmasAndRanks() {
        ToyProblem toy = new ToyProblem(new MlpSpec(4, 1, Quantizer.parse("sign"), false), 1);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(1, 64, 4))) {
            assertThrows(IllegalArgumentException.class, () -> NesEstimator.estimateShared(o, 1,
                    List.of(NesEstimator.antithetic(0.1, 5), NesEstimator.antithetic(0.2, 5))));
            assertThrows(IllegalArgumentException.class, () -> NesEstimator.estimateShared(o, 1,
                    List.of(new NesEstimator(0.1, 5, true, true, true))));
        }
    }

    private static ParamSet shift(ParamSet w, float[] u, double s) {
        int[] at = {0};
        return w.map(t -> {
            float[] v = w.get(t).data().clone();
            for (int j = 0; j < v.length; j++) {
                v[j] += (float) (s * u[at[0] + j]);
            }
            at[0] += v.length;
            return v;
        });
    }

    private static float[] flat(ParamSet p) {
        float[] out = new float[Math.toIntExact(p.numel())];
        int at = 0;
        for (int t = 0; t < p.count(); t++) {
            float[] d = p.get(t).data();
            System.arraycopy(d, 0, out, at, d.length);
            at += d.length;
        }
        return out;
    }
}
