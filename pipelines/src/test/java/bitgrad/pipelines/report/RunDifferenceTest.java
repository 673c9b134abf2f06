package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.List;
import org.junit.jupiter.api.Test;

/** compare's paired test: b - a over the same repeats, init the unit, Holm over cells; identical cells counted. */
class RunDifferenceTest {

    /** A summary of two cells (ste, cdg) over 3 inits x 2 batches, held-out decreases from {@code held(estimator, init, batch)}. */
    private static ColumnTable summary(double steShift, double cdgShift) {
        ColumnTable t = Tables.SUMMARY.empty();
        for (String e : List.of("ste", "cdg(eps=0.1)")) {
            for (long init = 0; init < 3; init++) {
                for (long batch = 0; batch < 2; batch++) {
                    double noise = 0.01 * ((init * 3 + batch * 5) % 7 - 3);
                    double held = 0.2 + noise + (e.equals("ste") ? steShift : cdgShift);
                    t.add(16L, "sign", 1024L, init, batch, 0L, e, "{\"type\":\"ste\"}", "ste", null, null, null, null, null, 1.0, held, 0.1,
                            1e6, 1.0, held, held, null, 1e-4, 1.0, 0L);
                }
            }
        }
        return t;
    }

    @Test
    void aShiftBeyondTheNoiseIsCalledWithItsSignAndAnUnchangedCellIsCounted() {
        List<String> lines = RunDifference.lines(summary(0, 0), summary(0.05, 0), false);
        assertEquals(2, lines.size(), String.join("\n", lines));
        String ste = lines.get(0);
        assertTrue(ste.startsWith("paired variant=activation=sign_batch=1024_raw dim=16 estimator=ste "), ste);
        assertTrue(ste.matches(".* inits=3 diff=0\\.05000 .*beyond_noise=yes"), ste);
        assertEquals("paired_identical=1 (cells with the same held-out decreases in both runs; --all lists them)", lines.get(1));
        String down = RunDifference.lines(summary(0, 0), summary(-0.05, 0), false).get(0);
        assertTrue(down.contains("diff=-0.05000"), down);
        // no shift: no call
        String small = RunDifference.lines(summary(0, 0), summary(0, 0), true).get(0);
        assertTrue(small.endsWith("beyond_noise=no"), small);
    }
}
