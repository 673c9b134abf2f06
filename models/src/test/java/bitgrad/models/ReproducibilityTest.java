package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.RandomBackwardSteEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.Mlp;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.objectives.ArrayBatch;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Same seed, same numbers; different seed, different draws; concurrent autograd is safe. */
class ReproducibilityTest {

    static final MlpSpec SPEC = new MlpSpec(8, 3, Quantizer.parse("sign"), false);

    @Test
    void sameSeedGivesBitIdenticalEstimates() {
        ToyProblem toy = new ToyProblem(SPEC, 1);
        for (Estimator e : List.of(NesEstimator.antithetic(0.05, 300), new NesEstimator(0.05, 300, true, true, true),
                new SrSteEstimator(0.5, 3, StochasticRounding.Backward.RELAXED))) {
            ParamSet a;
            ParamSet b;
            try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(2, 256, 8))) {
                a = e.estimate(o, 99);
            }
            try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(2, 256, 8))) {
                b = e.estimate(o, 99);
            }
            assertTrue(a.contentEquals(b), e.label() + " differs between two runs with one seed");
        }
    }

    @Test
    void differentSeedsGiveDifferentDraws() {
        ToyProblem toy = new ToyProblem(SPEC, 1);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(2, 256, 8))) {
            for (Estimator e : List.of(NesEstimator.antithetic(0.05, 300),
                    new SrSteEstimator(0.5, 2, StochasticRounding.Backward.QUANTIZER))) {
                assertFalse(e.estimate(o, 1).contentEquals(e.estimate(o, 2)), e.label());
            }
        }
        assertFalse(Mlp.init(SPEC, 1).contentEquals(Mlp.init(SPEC, 2)));
        assertNotEquals(GaussianBatch.of(1, 10, 4).slice(0)[0], GaussianBatch.of(2, 10, 4).slice(0)[0]);
        assertTrue(Mlp.init(SPEC, 5).contentEquals(Mlp.init(SPEC, 5)));
    }

    @Test
    void srSteIsAnUnbiasedishNoisyVersionOfSte() {
        ToyProblem toy = new ToyProblem(SPEC, 4);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(6, 2048, 8))) {
            ParamSet ste = new SteEstimator().estimate(o, 0);
            double c1 = Gradients.cosine(ste, new SrSteEstimator(1, 1, StochasticRounding.Backward.QUANTIZER).estimate(o, 3));
            assertTrue(c1 > 0.2 && c1 < 0.9999, "sr-STE with one sample is a noisy relative of STE: " + c1);
        }
    }

    @Test
    void srSteTemperatureActsOnlyThroughTheRelaxedBackward() {
        ToyProblem toy = new ToyProblem(SPEC, 4);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(6, 2048, 8))) {
            ParamSet q1 = new SrSteEstimator(0.5, 2, StochasticRounding.Backward.QUANTIZER).estimate(o, 3);
            ParamSet q2 = new SrSteEstimator(2.0, 2, StochasticRounding.Backward.QUANTIZER).estimate(o, 3);
            assertTrue(q1.contentEquals(q2), "STE-like backward: the hard samples are Bernoulli(p) whatever tau");
            ParamSet r1 = new SrSteEstimator(0.5, 2, StochasticRounding.Backward.RELAXED).estimate(o, 3);
            ParamSet r2 = new SrSteEstimator(2.0, 2, StochasticRounding.Backward.RELAXED).estimate(o, 3);
            assertFalse(r1.contentEquals(r2), "the relaxed sample's derivative depends on tau");
            assertFalse(q1.contentEquals(r1), "the two backwards differ on the same samples");
            double c = Gradients.cosine(q1, r1);
            assertTrue(c > 0, "same samples, related directions: " + c);
        }
    }

    @Test
    void theFactorialsCellsAreWhatTheyClaim() {
        ToyProblem toy = new ToyProblem(SPEC, 4);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(6, 2048, 8))) {
            ParamSet ste = new SteEstimator().estimate(o, 0);
            // deterministic forward + STE-like backward is STE itself, whatever the draws and k
            ParamSet neither = new SrSteEstimator(1.0, 3, StochasticRounding.Backward.QUANTIZER, false).estimate(o, 3);
            for (int t = 0; t < ste.count(); t++) {
                float[] a = ste.get(t).data();
                float[] b = neither.get(t).data();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-5 * (1 + Math.abs(a[i])), "tensor " + t + " coord " + i);
                }
            }
            // deterministic forward + relaxed backward: STE's forward, another backward (random through the relaxed sample)
            ParamSet backwardOnly = new SrSteEstimator(1.0, 1, StochasticRounding.Backward.RELAXED, false).estimate(o, 3);
            ParamSet both = new SrSteEstimator(1.0, 1, StochasticRounding.Backward.RELAXED, true).estimate(o, 3);
            double c = Gradients.cosine(ste, backwardOnly);
            assertTrue(c > 0.1 && c < 0.9999, "another backward than STE's, related: " + c);
            assertFalse(backwardOnly.contentEquals(both), "the forward differs between the two relaxed cells");
            // the spec names the deterministic forward and decodes back to it; the sampled default stays out of the spec
            SrSteEstimator det = new SrSteEstimator(1.0, 1, StochasticRounding.Backward.RELAXED, false);
            assertEquals(det, bitgrad.models.estimators.Estimators.decode(det.specJson()));
            assertTrue(det.specJson().contains("\"forward\":\"deterministic\""), det.specJson());
            assertFalse(new SrSteEstimator(1.0, 1, StochasticRounding.Backward.RELAXED).specJson().contains("forward"));
            assertEquals(det.seedIdentity(), new SrSteEstimator(1.0, 4, StochasticRounding.Backward.QUANTIZER).seedIdentity(),
                    "the factorial's cells share their draws");
        }
    }

    @Test
    void roundingProbabilitiesApproachACoinFlipAsTheBatchGrows() {
        ToyProblem toy = new ToyProblem(SPEC, 4);
        SrSteEstimator sr = new SrSteEstimator(1.0, 1, StochasticRounding.Backward.QUANTIZER);
        double[] small;
        double[] large;
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(6, 64, 8))) {
            small = sr.meanAbsPOffset(o, 1);
        }
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(6, 65536, 8))) {
            large = sr.meanAbsPOffset(o, 1);
        }
        assertEquals(SPEC.depth(), small.length);
        for (int l = 0; l < small.length; l++) {
            assertTrue(small[l] > 0 && small[l] <= 0.5 && large[l] > 0 && large[l] <= 0.5, l + ": " + small[l] + " " + large[l]);
            // the extremes of a larger batch are larger, so each |scaled A| / 2 is smaller
            assertTrue(large[l] < small[l], "layer " + l + ": " + large[l] + " should be below " + small[l]);
        }
        // against a direct count on layer 0 of the small batch: |p - 0.5| = |A| / (2 max|A| of its sign)
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(6, 64, 8));
                ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            float[] z = o.preActivation(Nd.toNd(m, o.point()), 0, 0, bitgrad.models.nets.Forward.EXACT).toFloatArray();
            float max = 0;
            float min = 0;
            for (float v : z) {
                max = Math.max(max, v);
                min = Math.min(min, v);
            }
            double sum = 0;
            for (float v : z) {
                sum += v > 0 ? v / max / 2 : v / min / 2;
            }
            assertEquals(sum / z.length, small[0], 1e-5, "mean |p - 0.5| of layer 0");
        }
    }

    @Test
    void theTeachersHaveTheOutputScalesTheyClaim() {
        // over N(0, I) inputs: fp-linear ~ 3^-(depth+1) (each default-init linear layer scales the variance by 1/3),
        // variance-preserving ~ 1, same (sign hidden units, unit variance each) ~ 1/3
        int depth = 3;
        java.util.Map<String, double[]> expected = java.util.Map.of("fp-linear", new double[] {Math.pow(3, -(depth + 1)), 0.5},
                "variance-preserving", new double[] {1, 0.5}, "same", new double[] {1.0 / 3, 0.5});
        for (Map.Entry<String, double[]> e : expected.entrySet()) {
            MlpSpec spec = new MlpSpec(64, depth, Quantizer.parse("sign"), false, e.getKey());
            double var = 0;
            int teachers = 8;
            for (int seed = 0; seed < teachers; seed++) {
                try (TeacherStudentObjective o = new ToyProblem(spec, seed).objective(GaussianBatch.of(seed, 4096, 64));
                        ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                    float[] y = o.pass(Nd.toNd(m, o.point()), 0).target();
                    double mean = 0;
                    for (float v : y) {
                        mean += v / (double) y.length;
                    }
                    for (float v : y) {
                        var += (v - mean) * (v - mean) / y.length / teachers;
                    }
                }
            }
            double[] want = expected.get(e.getKey());
            assertTrue(Math.abs(Math.log(var / want[0])) < want[1], e.getKey() + ": output variance " + var + ", expected about " + want[0]);
        }
        assertEquals("fp-linear", new MlpSpec(4, 1, Quantizer.parse("sign"), false, "fp-linear").teacherKind());
        assertEquals(new MlpSpec(4, 1, Quantizer.parse("sign"), false), new MlpSpec(4, 1, Quantizer.parse("sign"), false, "fp-linear"),
                "the default teacher is the spec without one (existing cache keys stay)");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new MlpSpec(4, 1, Quantizer.parse("sign"), false, "deep"));
    }

    @Test
    void srSteDoesNotDependOnHowTheBatchIsSliced() {
        ToyProblem toy = new ToyProblem(SPEC, 9);
        float[] x = GaussianBatch.of(11, 600, 8).slice(0);
        for (StochasticRounding.Backward backward : StochasticRounding.Backward.values()) {
            SrSteEstimator e = new SrSteEstimator(1.0, 2, backward);
            ParamSet whole;
            ParamSet sliced;
            try (TeacherStudentObjective o = toy.objective(new ArrayBatch(x, 8, 600))) {
                whole = e.estimate(o, 5);
            }
            try (TeacherStudentObjective o = toy.objective(new ArrayBatch(x, 8, 128))) {
                assertEquals(5, o.slices());
                sliced = e.estimate(o, 5);
            }
            for (int t = 0; t < whole.count(); t++) {
                float[] a = whole.get(t).data();
                float[] b = sliced.get(t).data();
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-5 * (1 + Math.abs(a[i])), backward + " tensor " + t + " coord " + i);
                }
            }
        }
    }

    @Test
    void theAllocationFreeSeedDerivationEqualsTheGeneralOne() {
        for (long i : new long[] {0, 1, -1, 17, Long.MAX_VALUE}) {
            assertEquals(Seeds.derive(42L, new Object[] {i}), Seeds.derive(42L, i));
        }
        float[] into = new float[10];
        HostRandom.uniformInto(9, into, 3, 7);
        float[] plain = HostRandom.uniform(9, 7, 0, 1);
        for (int i = 0; i < 7; i++) {
            assertEquals(plain[i], into[3 + i]);
        }
    }

    @Test
    void srSteSettingsShareTheirDrawsApartFromWhatTheyCount() {
        SrSteEstimator a = new SrSteEstimator(0.5, 1, StochasticRounding.Backward.QUANTIZER);
        SrSteEstimator b = new SrSteEstimator(2.0, 10, StochasticRounding.Backward.RELAXED);
        assertEquals(a.seedIdentity(), b.seedIdentity());
        bitgrad.models.estimators.NesEstimator n1 = bitgrad.models.estimators.NesEstimator.antithetic(0.1, 500);
        assertEquals(n1.seedIdentity(), bitgrad.models.estimators.NesEstimator.antithetic(0.1, 5000).seedIdentity(), "nested NES samples");
        assertNotEquals(n1.seedIdentity(), bitgrad.models.estimators.NesEstimator.antithetic(0.01, 500).seedIdentity());
    }

    @Test
    void stochasticSteBackpropIsUnbiasedForSte() {
        ToyProblem toy = new ToyProblem(SPEC, 6);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(7, 2048, 8))) {
            ParamSet ste = new SteEstimator().estimate(o, 0);
            assertTrue(ste.contentEquals(new RandomBackwardSteEstimator(1.0, 1).estimate(o, 3)), "keep=1 is STE");
            double one = Gradients.cosine(ste, new RandomBackwardSteEstimator(0.5, 1).estimate(o, 3));
            double many = Gradients.cosine(ste, new RandomBackwardSteEstimator(0.5, 64).estimate(o, 3));
            assertTrue(one < 0.9999 && many > one && many > 0.97, "k=1: " + one + ", k=64: " + many);
            assertFalse(new RandomBackwardSteEstimator(0.5, 1).estimate(o, 1).contentEquals(
                    new RandomBackwardSteEstimator(0.5, 1).estimate(o, 2)));
        }
    }

    @Test
    void twoThreadsComputingSteGradientsAtOnceBothSucceed() throws Exception {
        ToyProblem toy = new ToyProblem(new MlpSpec(16, 4, Quantizer.parse("sign"), true), 8);
        ParamSet expected;
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(3, 4096, 16))) {
            expected = new SteEstimator().estimate(o, 0);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Callable<ParamSet>> jobs = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                jobs.add(() -> {
                    ParamSet last = null;
                    for (int rep = 0; rep < 10; rep++) {
                        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(3, 4096, 16))) {
                            last = new SteEstimator().estimate(o, 0);
                        }
                    }
                    return last;
                });
            }
            for (Future<ParamSet> f : pool.invokeAll(jobs)) {
                assertTrue(expected.contentEquals(f.get()), "a concurrent STE gradient differs");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
