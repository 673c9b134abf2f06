package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.quant.Jumps;
import bitgrad.models.quant.Quantizer;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A quantizer's jump points give its value to the bit: on random inputs, and on every float
 * within a few thousand of each jump, where the quantizer's own rounding decides.
 */
class JumpsTest {

    static final String[] QUANTIZERS = {"sign", "sign-ste", "approxsign", "swishsign", "ternary", "ternary:0.2",
        "ternary:0.05", "2bit", "kbit:1", "kbit:3", "kbit:4", "kbit:5", "kbit:8"};

    @Test
    void levelsFromJumpPointsAreTheQuantizersValues() {
        SplittableRandom random = new SplittableRandom(5);
        for (String name : QUANTIZERS) {
            Quantizer q = Quantizer.parse(name);
            Jumps j = Jumps.of(q);
            assertNotNull(j, name);
            int points = q.thresholds().length;
            for (int k = 0; k < points; k++) {
                // the quantizer changes exactly at the point, nowhere else near it
                float p = j.at(k);
                assertNotEquals(q.apply(Math.nextDown(p)), q.apply(p), name + " jump " + k);
                assertTrue(Math.abs(p - q.thresholds()[k]) < 1e-5, name + " jump " + k + " at " + p);
                float x = p;
                for (int u = 0; u < 3000; u++) {
                    x = Math.nextDown(x);
                }
                for (int u = 0; u <= 6000; u++, x = Math.nextUp(x)) {
                    check(q, j, x, name);
                }
            }
            assertEquals(Float.NEGATIVE_INFINITY, j.at(-1));
            assertEquals(Float.POSITIVE_INFINITY, j.at(points));
            for (int n = 0; n < 200_000; n++) {
                check(q, j, (float) (2 * random.nextGaussian()), name);
            }
            for (float x : new float[] {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1f, -1f, 1e30f, -1e30f}) {
                check(q, j, x, name);
            }
        }
    }

    private static void check(Quantizer q, Jumps j, float x, String name) {
        float expected = q.apply(x);
        assertEquals(expected, j.value(j.count(x)), 0f, name + " at " + x);
        int k = j.count(x);
        assertTrue(j.at(k - 1) <= x && x < j.at(k), name + " at " + x);
    }

    @Test
    void twoBitsMiddleJumpIsWhereItsRoundingPutsIt() {
        // ((x + 1) / 2) * 3 rounds to 1.5 for x a few floats below 0, so level 2 starts there
        Jumps j = Jumps.of(Quantizer.parse("2bit"));
        assertTrue(j.at(1) < 0f, "middle jump at " + j.at(1));
        assertEquals(1f / 3, Quantizer.parse("2bit").apply(j.at(1)), 1e-7f);
    }

    @Test
    void theIdentityHasNone() {
        assertNull(Jumps.of(Quantizer.parse("identity")));
    }
}
