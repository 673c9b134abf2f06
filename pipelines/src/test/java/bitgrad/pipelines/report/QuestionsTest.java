package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The statistics the verdicts rest on, against hand-computed answers. */
class QuestionsTest {

    @Test
    void spearmanRanksWithTies() {
        assertEquals(1.0, bitgrad.models.stats.SpearmanTest.rho(new double[] {1, 2, 3, 4}, new double[] {10, 20, 25, 100}), 1e-12);
        assertEquals(-1.0, bitgrad.models.stats.SpearmanTest.rho(new double[] {1, 2, 3, 4}, new double[] {4, 3, 2, 1}), 1e-12);
        // ranks x: 0,1,2,3,4; y: 1,0,3,2,4 -> d^2 = 1+1+1+1+0 = 4, rho = 1 - 6*4/(5*24) = 0.8
        assertEquals(0.8, bitgrad.models.stats.SpearmanTest.rho(new double[] {1, 2, 3, 4, 5}, new double[] {2, 1, 4, 3, 5}), 1e-12);
        // ties take the mean rank: x ranks 0, 1.5, 1.5, 3 against y ranks 0..3 -> Pearson of ranks
        double r = bitgrad.models.stats.SpearmanTest.rho(new double[] {1, 2, 2, 3}, new double[] {1, 2, 3, 4});
        assertEquals(4.5 / Math.sqrt(4.5 * 5), r, 1e-12); // sxy 4.5, sxx 4.5, syy 5
        assertTrue(Double.isNaN(bitgrad.models.stats.SpearmanTest.rho(new double[] {1, 2}, new double[] {1, 2})), "too few points");
        assertTrue(Double.isNaN(bitgrad.models.stats.SpearmanTest.rho(new double[] {1, 1, 1}, new double[] {1, 2, 3})), "a constant side");
    }

    @Test
    void theDecreaseCurveFitRecoversSlopeAndCurvatureInsideItsWindow() {
        double[] lr = new double[40];
        double[] d = new double[40];
        for (int i = 0; i < lr.length; i++) {
            lr[i] = 0.01 * (i + 1);
            // a quadratic up to lr 0.2, anything beyond (it must be ignored)
            d[i] = lr[i] <= 0.2 + 1e-12 ? 2 * lr[i] - 5 * lr[i] * lr[i] : 100;
        }
        double[] ab = NesAfterPretraining.fit(lr, d, 0.2);
        assertEquals(2, ab[0], 1e-9);
        assertEquals(-5, ab[1], 1e-9);
        assertEquals(2.5, NesAfterPretraining.quantile(List.of(4.0, 1.0, 3.0, 2.0), 0.5), 1e-12);
        assertEquals(1.75, NesAfterPretraining.quantile(List.of(4.0, 1.0, 3.0, 2.0), 0.25), 1e-12);
        // a window below the grid's third lr still fits on the first three
        double[] first = NesAfterPretraining.fit(lr, d, 0.001);
        assertEquals(2, first[0], 1e-9);
        assertEquals(-5, first[1], 1e-9);
    }

    @Test
    void pairedDifferencesAndTheirStandardError() {
        // differences 1, 2, 3: mean 2, sd 1, se 1/sqrt(3)
        Questions.Paired p = Questions.Paired.of(List.of(2.0, 4.0, 6.0), List.of(1.0, 2.0, 3.0));
        assertEquals(2.0, p.mean(), 1e-12);
        assertEquals(1 / Math.sqrt(3), p.se(), 1e-12);
        assertEquals(4.303, p.critical(), 1e-3, "t(0.975; 2)");
        assertFalse(p.positive(), "t = 3.46 is below t(0.975; 2) = 4.30 (the old rule, 2 standard errors, called it)");
        assertTrue(Questions.Paired.of(List.of(2.0, 2.1, 1.9, 2.0, 2.05), List.of(1.0, 1.0, 1.0, 1.0, 1.0)).positive(),
                "five tight repeats: t about 30");
        assertTrue(Questions.Paired.of(List.of(1.0, 1.1, 0.9, 1.0, 1.05), List.of(2.0, 2.0, 2.0, 2.0, 2.0)).negative());
        assertFalse(Questions.Paired.of(List.of(2.0, 4.0), List.of(1.0, 2.0)).positive(), "t = 3 is below t(0.975; 1) = 12.7");
        assertFalse(Questions.Paired.of(List.of(2.0), List.of(1.0)).positive(), "one repeat decides nothing");
        Questions.Paired noisy = Questions.Paired.of(List.of(1.0, -1.0, 1.2), List.of(0.0, 0.0, 0.0));
        assertFalse(noisy.positive() || noisy.negative(), "within the t test's 5 % point");
        Questions.Paired rel = p.scaled(4.0);
        assertEquals(0.5, rel.mean(), 1e-12);
        assertEquals("+50% ± 14%", rel.percent());
        assertEquals(0.5, LastLayer.median(List.of(0.9, 0.1, 0.5)), 1e-12);
        assertEquals(0.4, LastLayer.median(List.of(0.9, 0.1, 0.3, 0.5)), 1e-12);
    }

    /** Layer-sweep repeats of one estimator: {@code inits} x 2 batches, the last layer's and hidden layers' decreases per repeat. */
    static Map<String, Map<String, Map<String, Double>>> repeats(int inits, double last, double hidden, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        Map<String, Map<String, Double>> byRepeat = new java.util.LinkedHashMap<>();
        for (int i = 0; i < inits; i++) {
            for (int b = 0; b < 2; b++) {
                Map<String, Double> u = new java.util.LinkedHashMap<>();
                u.put("layer0", 0.1);
                u.put("layer1", last + 0.05 * (r.nextDouble() - 0.5));
                u.put("hidden", hidden + 0.05 * (r.nextDouble() - 0.5));
                u.put("all", 1.0);
                byRepeat.put(i + "/" + b, u);
            }
        }
        return Map.of("random|v|8|ste|{}", byRepeat);
    }

    @Test
    void theLastLayerReadingIsTestedOverInits() {
        LastLayerTest mostlyLast = LastLayerTest.of(repeats(4, 0.8, 0.2, 1), java.util.Set.of()).get("random");
        assertEquals(4, mostlyLast.last().n(), "the init is the unit: 8 repeats are 4 inits");
        assertTrue(mostlyLast.reading().startsWith("Most of the decrease is the last layer's"), mostlyLast.reading());
        assertTrue(LastLayerTest.of(repeats(4, 0.2, 0.8, 2), java.util.Set.of()).get("random").reading()
                .startsWith("The hidden layers carry most"));
        LastLayerTest even = LastLayerTest.of(repeats(4, 0.5, 0.5, 3), java.util.Set.of()).get("random");
        assertTrue(even.reading().startsWith("Which part carries most of the decrease is not decided"), even.reading());
        assertTrue(LastLayerTest.of(repeats(1, 0.8, 0.2, 4), java.util.Set.of()).get("random").reading().startsWith("Not decided: one init"));
        LastLayerTest withEdge = LastLayerTest.of(repeats(4, 0.8, 0.2, 1), java.util.Set.of("random|v|8|ste|{}|0/1")).get("random");
        assertEquals(1, withEdge.left(), "a repeat whose best lr is still at an end is left out");
    }
}
