package bitgrad.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The signal and noise of estimates scattered around a known mean with a known spread. */
class NesSnrStatsTest {

    private static List<float[]> draws(SplittableRandom rnd, float[] mu, double sdPerCoordinate, int seeds) {
        List<float[]> out = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            float[] e = new float[mu.length];
            for (int j = 0; j < mu.length; j++) {
                e[j] = (float) (mu[j] + sdPerCoordinate * rnd.nextGaussian());
            }
            out.add(e);
        }
        return out;
    }

    @Test
    void manySeedsRecoverTheMeanTheSpreadAndTheProjections() {
        int n = 50;
        float[] mu = new float[n];
        mu[0] = 3; // ||mu|| = 5 along (0.6, 0.8)
        mu[1] = 4;
        float[] other = new float[n];
        other[2] = -7; // orthogonal to mu
        double sd = 0.2; // spread = sd * sqrt(n) = 1.414
        NesSnrStage.Stats st = NesSnrStage.Stats.of(draws(new SplittableRandom(1), mu, sd, 2000), mu, other);
        assertEquals(sd * Math.sqrt(n), st.spread(), 0.02 * sd * Math.sqrt(n));
        assertEquals(5, st.signal(), 0.05);
        assertEquals(5 / (sd * Math.sqrt(n)), st.snr(), 0.1);
        double pm = java.util.Arrays.stream(st.projCdg()).average().orElseThrow();
        assertEquals(5, pm, 0.02, "projection on the direction of the mean");
        double pv = java.util.Arrays.stream(st.projCdg()).map(x -> (x - pm) * (x - pm)).sum() / 1999;
        assertEquals(sd, Math.sqrt(pv), 0.01, "a projection on a unit vector has the per-coordinate spread");
        assertEquals(0, java.util.Arrays.stream(st.projSte()).average().orElseThrow(), 0.02, "orthogonal reference");
        assertNull(NesSnrStage.Stats.of(draws(new SplittableRandom(2), mu, sd, 3), null, null).projCdg());
    }

    /** With few seeds the mean still carries noise: the signal removes it (unbiased in the square). */
    @Test
    void theSignalOfFewSeedsIsNotInflatedByTheirLeftoverNoise() {
        int n = 100;
        float[] mu = new float[n];
        mu[5] = 1; // ||mu|| = 1
        double sd = 0.1; // spread 1: with 3 seeds the mean's squared norm is 1 + 1/3 on average
        SplittableRandom rnd = new SplittableRandom(3);
        double signalSq = 0;
        double meanSq = 0;
        int trials = 1500;
        for (int t = 0; t < trials; t++) {
            NesSnrStage.Stats st = NesSnrStage.Stats.of(draws(rnd, mu, sd, 3), null, null);
            signalSq += st.signal() * st.signal() / trials;
            meanSq += st.meanNorm() * st.meanNorm() / trials;
        }
        assertEquals(4 / 3.0, meanSq, 0.04, "the raw mean is inflated by spread^2 / seeds");
        assertEquals(1, signalSq, 0.04, "the signal is not");
    }
}
