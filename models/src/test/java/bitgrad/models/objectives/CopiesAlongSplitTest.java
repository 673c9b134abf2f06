package bitgrad.models.objectives;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import bitgrad.models.Nd;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The per-copy evaluation of losses along directions (NES's samples, the dense lr sweep) split over
 * threads: the parts cover every group once, start at a direction where they can, and give the same
 * losses as one thread, bit for bit, and as each copy evaluated on its own.
 */
class CopiesAlongSplitTest {

    /** {@code cs} as the coefficients of each of {@code directions} directions. */
    private static float[][] coefficients(int directions, float... cs) {
        float[][] out = new float[directions][];
        for (int d = 0; d < directions; d++) {
            out[d] = cs.clone();
        }
        return out;
    }

    @Test
    void partsCoverTheGroupsOnceAndStartAtADirection() {
        int[][] layouts = {{40, 2}, {30, 3}, {7, 5}, {1, 100}, {100, 1}, {3, 2}};
        for (int[] layout : layouts) {
            float[] cs = new float[layout[1]];
            for (int i = 0; i < cs.length; i++) {
                cs[i] = 0.01f * (i + 1);
            }
            Objective.AlongCopies copies = new Objective.AlongCopies(coefficients(layout[0], cs), 1);
            for (int threads = 1; threads <= 5; threads++) {
                int[] bounds = TeacherStudentObjective.parts(copies, threads);
                String what = layout[0] + " directions x " + layout[1] + ", " + threads + " threads";
                int n = bounds.length - 1;
                assertEquals(0, bounds[0], what);
                assertEquals(copies.groups(), bounds[n], what);
                assertTrue(n >= 1 && n <= threads, what + ": " + n + " parts");
                // one part unless each of two or more would get PART_GROUPS groups
                assertEquals(Math.max(1, Math.min(threads, copies.groups() / 8)), n, what);
                for (int p = 1; p <= n; p++) {
                    assertTrue(bounds[p] > bounds[p - 1], what + ": empty part " + p);
                }
                for (int p = 1; p < n; p++) {
                    boolean atDirection = copies.direction(bounds[p]) != copies.direction(bounds[p] - 1);
                    // a direction with fewer copies than PART_GROUPS always has a start nearby
                    assertTrue(atDirection || layout[1] > 8, what + ": part " + p + " starts inside a direction");
                }
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"sign,false,32768", "ternary,false,32768", "sign,true,32768", "2bit,false,16384"})
    void splitLossesEqualOneThreadsAndEachCopysOwn(String activation, boolean binaryWeights, int sliceRows) {
        MlpSpec spec = new MlpSpec(16, 2, Quantizer.parse(activation), binaryWeights);
        int rows = 32768; // x 16 inputs fill a chunk: one copy per group, so 2 x 24 + 3 x 4 = 60 groups
        SplittableRandom r = new SplittableRandom(5);
        float[] x = new float[rows * spec.dim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[][] coefficients = new float[28][];
        for (int d = 0; d < coefficients.length; d++) {
            coefficients[d] = d % 7 == 3 ? new float[] {-0.02f, -0.1f, -0.4f} : new float[] {0.05f, -0.05f};
        }
        ToyProblem toy = new ToyProblem(spec, 9);
        try (TeacherStudentObjective o = toy.objective(new ArrayBatch(x, spec.dim(), sliceRows));
                NDManager m = NDManager.newBaseManager()) {
            List<ParamSet> dirs = AlongChecks.directions(o.point(), coefficients.length, 70);
            NDList base = Nd.toNd(m, o.point());
            NDList stacked = Nd.stacked(m, dirs);
            float[][] one = o.copiesAlong(base, stacked, coefficients, 1);
            for (int threads = 2; threads <= 3; threads++) {
                float[][] split = o.copiesAlong(base, stacked, coefficients, threads);
                for (int d = 0; d < coefficients.length; d++) {
                    assertArrayEquals(one[d], split[d], spec + ", " + threads + " threads, direction " + d);
                }
            }
            AlongChecks.assertEachCopysOwn(o, dirs, coefficients, one, 3, spec.toString());
        }
    }
}
