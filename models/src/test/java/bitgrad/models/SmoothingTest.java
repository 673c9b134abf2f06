package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.Smoothing;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The true and smoothed loss changes along a direction, against what a smooth loss must give. */
class SmoothingTest {

    /** {@code d / |d|} over all tensors, times {@code sign}. */
    static ParamSet unit(ParamSet d, double sign) {
        ParamSet u = Gradients.normalize(d, Gradients.Norm.GLOBAL);
        return u.map(t -> {
            float[] x = u.get(t).data().clone();
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) (sign * x[i]);
            }
            return x;
        });
    }

    @Test
    void onAQuadraticLossTheSmoothedChangeIsTheTrueOne() {
        // a linear student (no hidden layer, FP): the MSE is quadratic in w, so Gaussian smoothing only adds a constant
        // (s^2 tr(H) / 2) and the smoothed change along any direction equals the true change
        MlpSpec spec = new MlpSpec(8, 0, Quantizer.parse("identity"), false);
        try (TeacherStudentObjective o = new ToyProblem(spec, 3).objective(GaussianBatch.of(1, 4096, 8))) {
            ParamSet g = new SteEstimator().estimate(o, 0); // the exact gradient here
            List<Smoothing.Change> ch = Smoothing.along(o, List.of(unit(g, 1), unit(g, -1)), 0.05, 0.1, 400, 7);
            Smoothing.Change down = ch.get(0);
            Smoothing.Change up = ch.get(1);
            assertTrue(down.trueChange() < 0 && up.trueChange() > 0, "w - h g goes downhill, w + h g uphill: " + ch);
            double gradNorm = Math.sqrt(Gradients.dot(g.flatten(), g.flatten()));
            // first order: change ~ -h |g| (plus the curvature term h^2 d^T H d / 2 on both sides)
            assertEquals(-0.05 * gradNorm, (down.trueChange() - up.trueChange()) / 2, 0.05 * 0.05 * gradNorm);
            for (Smoothing.Change c : ch) {
                assertTrue(Math.abs(c.smoothedChange() - c.trueChange()) < 4 * c.smoothedSe() + 1e-6 * Math.abs(c.trueChange()),
                        "smoothed " + c.smoothedChange() + " ± " + c.smoothedSe() + " vs true " + c.trueChange());
                assertTrue(c.smoothedSe() < 0.2 * Math.abs(c.trueChange()), "common draws keep the estimate tight: " + c);
            }
        }
    }

    @Test
    void onASignNetworkATinyStepLeavesTheTrueLossAsItWas() {
        MlpSpec spec = new MlpSpec(8, 2, Quantizer.parse("sign"), false);
        try (TeacherStudentObjective o = new ToyProblem(spec, 3).objective(GaussianBatch.of(1, 512, 8))) {
            ParamSet ste = new SteEstimator().estimate(o, 0);
            // the first layer only: the output layer is linear, so a step there moves the loss continuously
            ParamSet g = ste.map(t -> t == 0 ? ste.get(t).data() : new float[ste.get(t).size()]);
            Smoothing.Change c = Smoothing.along(o, List.of(unit(g, 1)), 1e-7, 0.1, 200, 7).get(0);
            assertEquals(0.0, c.trueChange(), 0.0, "a step of 1e-7 in the first layer moves no unit across its threshold");
            assertTrue(Double.isFinite(c.smoothedChange()) && c.smoothedSe() >= 0, c.toString());
        }
    }
}
