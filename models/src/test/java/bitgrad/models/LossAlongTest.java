package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.AlongChecks;
import bitgrad.models.objectives.ArrayBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * The toy MLP's losses along directions (what lr sweeps and NES evaluate), computed with the first
 * layer shared between copies and the sign written in place, equal every copy evaluated on its own.
 */
class LossAlongTest {

    /** Sweep-like (0 and several -lr), antithetic pairs, and a single copy, over several directions. */
    private static final float[][] COEFFICIENTS = {
        {0f, -0.01f, -0.3f, -1f}, {0.05f, -0.05f}, {0.05f, -0.05f}, {0.2f}, {-0.7f, 0.7f}, {0.05f, -0.05f}};

    @ParameterizedTest
    @CsvSource({"identity,false", "sign,false", "ternary,false", "2bit,false", "approxsign,false", "sign,true",
        "identity,true", "ternary,true"})
    void everyCopyEqualsItsOwnEvaluation(String activation, boolean binaryWeights) {
        for (int depth = 1; depth <= 3; depth++) {
            MlpSpec spec = new MlpSpec(7, depth, Quantizer.parse(activation), binaryWeights);
            // several slices; many copies per group (the stacked path)
            check(spec, 200, 64, 11 + depth);
        }
    }

    @Test
    void singleCopyGroupsAndSeveralWideProductsAgreeToo() {
        // 32768 rows x 16 inputs fill a chunk: one copy per group (plain matmuls, the antithetic
        // pair sharing c x v^T), and 4 directions per wide first-layer product, so 6 need two
        MlpSpec spec = new MlpSpec(16, 2, Quantizer.parse("sign"), false);
        check(spec, 32768, 32768, 3);
    }

    private static void check(MlpSpec spec, int rows, int sliceRows, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * spec.dim()];
        // the first rows are zero: their first-layer pre-activations are exactly 0, where sign gives +1
        for (int i = 3 * spec.dim(); i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        ToyProblem toy = new ToyProblem(spec, seed);
        try (TeacherStudentObjective o = toy.objective(new ArrayBatch(x, spec.dim(), sliceRows));
                NDManager m = NDManager.newBaseManager()) {
            List<ParamSet> dirs = AlongChecks.directions(o.point(), COEFFICIENTS.length, 40);
            NDList base = Nd.toNd(m, o.point());
            NDList stacked = Nd.stacked(m, dirs);
            float[][] along = o.lossAlong(base, stacked, COEFFICIENTS);
            AlongChecks.assertEachCopysOwn(o, dirs, COEFFICIENTS, along, 1, spec.toString());
        }
    }

    @Test
    void everyInPlaceForwardEqualsTheForward() {
        float[] v = new float[8000];
        SplittableRandom r = new SplittableRandom(2);
        int k = 0;
        for (String name : new String[] {"identity", "sign", "ternary", "ternary:0.3", "2bit", "kbit:3", "kbit:5", "kbit:8"}) {
            for (double t : Quantizer.parse(name).thresholds()) {
                float f = (float) t;
                for (float e : new float[] {f, Math.nextUp(f), Math.nextDown(f), -f, Math.nextUp(-f), Math.nextDown(-f)}) {
                    v[k++] = e;
                }
            }
        }
        for (float e : new float[] {0f, -0f, 1f, -1f, 1.5f, -1.5f, 2.5f, 7f, -7f}) {
            v[k++] = e;
        }
        while (k < v.length) {
            v[k++] = (float) (2 * r.nextGaussian());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            for (String name : new String[] {"identity", "sign", "sign-ste", "approxsign", "swishsign", "ternary",
                "ternary:0.3", "2bit", "kbit:1", "kbit:3", "kbit:4", "kbit:5", "kbit:6", "kbit:7", "kbit:8"}) {
                Quantizer q = Quantizer.parse(name);
                float[] expected = q.forward(Nd.create(m, v, new Shape(80, 100))).toFloatArray();
                float[] inPlace = q.forwardInPlace(Nd.create(m, v, new Shape(80, 100))).toFloatArray();
                for (int i = 0; i < v.length; i++) {
                    // -0 and +0 are one level
                    assertEquals(expected[i] + 0f, inPlace[i] + 0f, 0f, name + " at " + v[i]);
                }
            }
        }
    }

    @Test
    void inPlaceSignGivesPlusOneAtZero() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] v = {-2f, -0f, 0f, 1e-30f, -1e-30f, 3f};
            NDArray a = Nd.create(m, v, new Shape(2, 3));
            assertArrayEquals(new float[] {-1, 1, 1, 1, -1, 1}, Nd.signPm1InPlace(a).toFloatArray());
            assertArrayEquals(new float[] {-1, 1, 1, 1, -1, 1}, a.toFloatArray(), "written over its input");
            // and without zeros the fast path, equal to the allocating sign
            float[] w = new float[1000];
            SplittableRandom r = new SplittableRandom(1);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) r.nextGaussian();
            }
            NDArray b = Nd.create(m, w, new Shape(10, 100));
            float[] expected = Nd.signPm1(b).toFloatArray();
            assertArrayEquals(expected, Nd.signPm1InPlace(b).toFloatArray());
        }
    }
}
