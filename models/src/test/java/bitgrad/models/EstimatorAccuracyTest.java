package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.RosenbrockObjective;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** CDG and NES against analytic gradients (autograd on FP networks, the closed form on Rosenbrock). */
class EstimatorAccuracyTest {

    static MlpSpec fp(int dim, int depth) {
        return new MlpSpec(dim, depth, Quantizer.parse("identity"), false);
    }

    @Test
    void cdgMatchesAutogradOnAnFpMlp() {
        ToyProblem toy = new ToyProblem(fp(16, 4), 3);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(11, 1024, 16))) {
            ParamSet exact = new SteEstimator().estimate(o, 0);
            ParamSet cdg = new CdgEstimator(1e-2).estimate(o, 0);
            double cos = Gradients.cosine(exact, cdg);
            assertTrue(cos > 0.999, "cosine(CDG, autograd) = " + cos);
            for (double c : Gradients.cosinePerTensor(exact, cdg)) {
                assertTrue(c > 0.999, "per-layer cosine " + c);
            }
        }
    }

    @Test
    void cdgMatchesAutogradWhenTheBatchStreamsInSlices() {
        ToyProblem toy = new ToyProblem(fp(8, 2), 4);
        try (TeacherStudentObjective o = toy.objective(new GaussianBatch(5, 1000, 8, 300))) {
            assertEquals(4, o.slices());
            double cos = Gradients.cosine(new SteEstimator().estimate(o, 0), new CdgEstimator(1e-2).estimate(o, 0));
            assertTrue(cos > 0.999, "cosine over 4 slices = " + cos);
        }
    }

    /** For antithetic NES with small sigma, cos^2 is about N / (N + d + 1) (Gaussian directions, d params). */
    @Test
    void nesCosineGrowsWithSamplesAsTheoryPredicts() {
        ToyProblem toy = new ToyProblem(fp(8, 2), 5);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(12, 512, 8))) {
            ParamSet exact = new SteEstimator().estimate(o, 0);
            long d = o.point().numel();
            double previous = -1;
            for (int n : new int[] {50, 500, 5000}) {
                double cos = Gradients.cosine(exact, NesEstimator.antithetic(1e-3, n).estimate(o, 7));
                double theory = Math.sqrt(n / (double) (n + d + 1));
                assertEquals(theory, cos, 0.08, "N=" + n + " d=" + d);
                assertTrue(cos > previous, "cosine must grow with N: " + previous + " -> " + cos);
                previous = cos;
            }
            assertTrue(previous > 0.95, "N=5000: " + previous);
        }
    }

    /** Nested estimates are the estimates with fewer samples of the same seed, computed in one pass. */
    @Test
    void nestedNesEstimatesEqualSeparateEstimatesWithThoseSampleCounts() {
        ToyProblem toy = new ToyProblem(new MlpSpec(6, 3, Quantizer.parse("sign"), false), 8);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(14, 700, 6))) {
            int[] counts = {3, 40, 130};
            for (NesEstimator form : new NesEstimator[] {NesEstimator.antithetic(0.1, 1), new NesEstimator(0.1, 1, false, true, false)}) {
                java.util.List<ParamSet> nested = form.estimateNested(o, 21, counts);
                assertEquals(counts.length, nested.size());
                for (int i = 0; i < counts.length; i++) {
                    NesEstimator alone = new NesEstimator(form.sigma(), counts[i], form.antithetic(), form.baseline(), false);
                    float[] a = alone.estimate(o, 21).flatten();
                    float[] b = nested.get(i).flatten();
                    for (int j = 0; j < a.length; j++) {
                        assertEquals(a[j], b[j], 1e-5 * (1 + Math.abs(a[j])), form.mode() + " N=" + counts[i] + " element " + j);
                    }
                }
                // a different seed draws different directions
                assertTrue(Gradients.cosine(nested.get(2), form.estimateNested(o, 22, counts).get(2)) < 0.99);
            }
        }
    }

    @Test
    void oneSidedNesWithBaselineAndRankShapingStillPointsAlongTheGradient() {
        ToyProblem toy = new ToyProblem(fp(8, 2), 6);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(13, 512, 8))) {
            ParamSet exact = new SteEstimator().estimate(o, 0);
            double withBaseline = Gradients.cosine(exact, new NesEstimator(1e-3, 4000, false, true, false).estimate(o, 1));
            double ranked = Gradients.cosine(exact, new NesEstimator(1e-3, 4000, true, true, true).estimate(o, 1));
            double noBaseline = Gradients.cosine(exact, new NesEstimator(1e-3, 4000, false, false, false).estimate(o, 1));
            assertTrue(withBaseline > 0.9, "one-sided with baseline: " + withBaseline);
            assertTrue(ranked > 0.8, "rank shaped: " + ranked);
            assertTrue(Math.abs(noBaseline) < withBaseline,
                    "without a baseline the loss itself swamps the slope: " + noBaseline + " vs " + withBaseline);
        }
    }

    static float[] randomIntegerStart(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = r.nextInt(-10, 11);
        }
        return x;
    }

    @Test
    void cdgAndNesRecoverTheRosenbrockGradient() {
        float[] x = randomIntegerStart(42, 100);
        try (RosenbrockObjective o = new RosenbrockObjective(x)) {
            float[] analytic = RosenbrockObjective.gradient(x);
            assertEquals(RosenbrockObjective.value(x), o.loss(), 1e-5 * RosenbrockObjective.value(x));
            ParamSet auto = new SteEstimator().estimate(o, 0);
            assertArrayEquals(analytic, auto.get(0).data(), 1e-3f * maxAbs(analytic));
            double cdg = Gradients.cosine(analytic, new CdgEstimator(1e-2).estimate(o, 0).get(0).data());
            assertTrue(cdg > 0.99999, "CDG cosine " + cdg);
            double nes = Gradients.cosine(analytic, NesEstimator.antithetic(1e-3, 20_000).estimate(o, 3).get(0).data());
            assertTrue(nes > 0.99, "NES cosine " + nes);
        }
    }

    static float maxAbs(float[] v) {
        float m = 0;
        for (float f : v) {
            m = Math.max(m, Math.abs(f));
        }
        return m;
    }
}
