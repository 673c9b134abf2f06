package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.measure.Float64Estimates;
import bitgrad.models.measure.GradCheck;
import bitgrad.models.measure.RosenbrockDescent;
import bitgrad.models.objectives.RosenbrockObjective;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Rosenbrock gradient check: slopes that a wrong scale factor, sign or coordinate would
 * break, the float32 estimators equal to their float64 forms, and a descent that converges.
 */
class GradCheckTest {

    static final List<Double> EPS = List.of(1e-1, 1e-2, 1e-3, 1e-4, 1e-5);
    static final RosenbrockDescent ADAM = new RosenbrockDescent("adam", 100_000, 0.1, 0.5, 5000, 1e-6);

    @Test
    void cdgErrorFallsAsEpsSquaredAtEveryKindOfPoint() {
        double[] start = RosenbrockDescent.integerStart(7, 100);
        double[][] path = ADAM.pointsAlong(start, new int[] {1000, 20_000});
        for (double[] x : List.of(start, path[0], path[1], RosenbrockDescent.nearOnes(3, 100, 1e-3))) {
            List<GradCheck.Row> rows = GradCheck.check("p", x, EPS, List.of(), new int[0], 0);
            double slope = GradCheck.slope(rows);
            assertEquals(2.0, slope, 0.02, "CDG's error is 400 eps^2 a on odd coordinates: slope " + slope);
            // and its size: the eps^2 term alone, on this point's own odd coordinates
            double[] exact = RosenbrockObjective.gradient(x);
            double bias = 0;
            for (int i = 0; i < x.length; i += 2) {
                bias += Math.pow(400 * 1e-4 * x[i], 2);
            }
            assertEquals(Math.sqrt(bias / Float64Estimates.normSquared(exact)), rows.get(1).relativeError(), 1e-6
                    * rows.get(1).relativeError() + 1e-12);
        }
    }

    @Test
    void nesErrorFallsAsOneOverRootNUntilItsSigmaSquaredFloor() {
        double[] start = RosenbrockDescent.integerStart(7, 100);
        int[] n = {100, 1000, 10_000, 100_000};
        List<GradCheck.Row> small = GradCheck.check("start", start, List.of(), List.of(1e-3), n, 5);
        double slope = GradCheck.slope(small);
        assertEquals(-0.5, slope, 0.1, "NES's error at a small sigma: slope " + slope);
        assertTrue(small.get(3).cosine() > 0.99, "cosine " + small.get(3).cosine());
        // near the minimum a large sigma's smoothing bias dominates: more samples stop helping
        List<GradCheck.Row> big = GradCheck.check("ones", RosenbrockDescent.nearOnes(3, 100, 1e-3), List.of(), List.of(0.3), n, 5);
        assertTrue(big.get(3).relativeError() > 0.5 * big.get(2).relativeError() && big.get(3).relativeError() > 1,
                "floor: " + big);
    }

    @Test
    void theFloat32EstimatorsAreTheseFloat64Forms() {
        double[] x = RosenbrockDescent.integerStart(11, 20);
        float[] xf = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            xf[i] = (float) (x[i] * 0.3);
            x[i] = xf[i];
        }
        try (RosenbrockObjective o = new RosenbrockObjective(xf)) {
            double[] cdg64 = Float64Estimates.cdg(RosenbrockObjective::value, x.clone(), 0.01);
            for (CdgEstimator.Method m : CdgEstimator.Method.values()) {
                double[] cdg32 = widen(new CdgEstimator(0.01, m).estimate(o, 0).get(0).data());
                assertTrue(Float64Estimates.relativeError(cdg32, cdg64) < 1e-4, m + ": " + Float64Estimates.relativeError(cdg32, cdg64));
            }
            double[] nes64 = Float64Estimates.nes(RosenbrockObjective::value, x, 0.01, 300, 9);
            double[] nes32 = widen(NesEstimator.antithetic(0.01, 300).estimate(o, 9).get(0).data());
            assertTrue(Float64Estimates.relativeError(nes32, nes64) < 1e-3, "NES " + Float64Estimates.relativeError(nes32, nes64));
        }
    }

    @Test
    void cdgDescentWithADecayingEpsReachesTheMinimum() {
        for (long s = 0; s < 2; s++) {
            RosenbrockDescent.Path p = ADAM.run(new CdgEstimator(0.01), RosenbrockDescent.integerStart(s, 100), 1);
            assertTrue(p.finalF() < 1e-10, "start " + s + ": final f " + p.finalF());
            assertEquals(1e-6, p.size()[p.size().length - 1], 0);
        }
        // a fixed eps stops at the minimum of f + 200 eps^2 sum a^2, not f's
        RosenbrockDescent fixed = new RosenbrockDescent("adam", 100_000, 0.1, 0.5, 5000, 0.01);
        assertTrue(fixed.run(new CdgEstimator(0.01), RosenbrockDescent.integerStart(0, 100), 1).finalF() > 1e-4);
    }

    static double[] widen(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }
}
