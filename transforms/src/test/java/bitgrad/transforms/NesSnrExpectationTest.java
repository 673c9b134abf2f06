package bitgrad.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** On a smooth loss NES's measured signal-to-noise ratio is sqrt(N/(d+1)): the yardstick the variance verdict reads ratios against. */
class NesSnrExpectationTest {

    @Test
    void aSmoothLossGivesTheSmoothLossRatio() {
        MlpSpec fp = new MlpSpec(4, 2, Quantizer.parse("identity"), false);
        try (TeacherStudentObjective o = new ToyProblem(fp, 11).objective(new GaussianBatch(3, 512, fp.dim(), 512))) {
            int d = (int) o.point().numel();
            for (int n : new int[] {5, 40}) {
                NesEstimator nes = NesEstimator.antithetic(1e-2, n);
                List<float[]> seeds = new ArrayList<>();
                for (int s = 0; s < 60; s++) {
                    seeds.add(nes.estimate(o, 1000L * n + s).flatten());
                }
                double measured = NesSnrStage.Stats.of(seeds, null, null).snr();
                double expected = NesSnrStage.smoothExpectation(n, d);
                assertEquals(1, measured / expected, 0.15, "N=" + n + " d=" + d + ": measured " + measured + ", expected " + expected);
            }
        }
    }
}
