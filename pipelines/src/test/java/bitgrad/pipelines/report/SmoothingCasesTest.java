package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The smoothing question's outcomes: flat apart from rising, the smoothed change's sign under false discovery control, the lean tested over inits. */
class SmoothingCasesTest {

    /** One smoothing row of NES at init {@code init}. */
    static void row(ColumnTable t, long init, String family, double trueChange, double smoothed, double se, double base) {
        t.add(8L, "sign", 1024L, init, 0L, 1L, family.equals("nes") ? "nes(sigma=0.1,n=50)" : "cdg(eps=0.1)", "{}", family, "all", 0.1, 0.1,
                trueChange, smoothed, se, 200L, base);
    }

    @Test
    void nullSmoothedChangesStayWithinNoiseAndFlatIsNotRising() {
        SplittableRandom r = new SplittableRandom(4);
        int any = 0;
        int experiments = 200;
        for (int e = 0; e < experiments; e++) {
            // 200 cases whose smoothed change is pure Monte Carlo noise (mean 0, standard error 1)
            ColumnTable t = Tables.SMOOTHING.empty();
            for (int i = 0; i < 200; i++) {
                row(t, i % 4, "nes", 0.01, r.nextGaussian(), 1, 1.0);
            }
            List<SmoothingPart.Case> cases = SmoothingPart.cases(List.of(t));
            any += cases.stream().anyMatch(x -> x.outcome() != SmoothingPart.Outcome.NOISE) ? 1 : 0;
        }
        // under the complete null Benjamini-Hochberg keeps the chance of any discovery within alpha (uncorrected: ~100 %)
        assertTrue(any <= experiments * 0.05 + 3 * Math.sqrt(experiments * 0.05 * 0.95), any + " of " + experiments + " experiments claimed a sign");
        ColumnTable t = Tables.SMOOTHING.empty();
        row(t, 0, "nes", 0.0, -5, 0.1, 2.0); // smoothed clearly falls, true exactly flat
        row(t, 0, "nes", 1e-7, -5, 0.1, 2.0); // a rounding-sized rise is flat too
        row(t, 0, "nes", 1e-3, -5, 0.1, 2.0); // a real rise
        row(t, 0, "nes", -1e-3, 5, 0.1, 2.0); // true falls, smoothed rises
        row(t, 0, "cdg", -1e-3, 5, 0.1, 2.0); // CDG is not in the question
        List<SmoothingPart.Case> cases = SmoothingPart.cases(List.of(t));
        assertEquals(4, cases.size());
        assertEquals(List.of(SmoothingPart.Outcome.SMOOTHED_FLAT, SmoothingPart.Outcome.SMOOTHED_FLAT, SmoothingPart.Outcome.SMOOTHED_ONLY,
                SmoothingPart.Outcome.TRUE_ONLY), cases.stream().map(SmoothingPart.Case::outcome).toList());
    }

    @Test
    void theLeanOfTheDisagreementsIsTestedOverInits() {
        ColumnTable lean = Tables.SMOOTHING.empty();
        for (int init = 0; init < 5; init++) {
            for (int i = 0; i < 10; i++) {
                // 7 of 10 cases per init: smoothed falls, true rises; 1: the reverse; 2 agree
                double truth = i < 7 ? 1e-3 : i < 8 ? -1e-3 : -2e-3;
                double smoothed = i < 7 ? -5 : i < 8 ? 5 : -5;
                row(lean, init, "nes", truth, smoothed + 0.1 * init, 0.1, 1.0);
            }
        }
        var dir = SmoothingPart.direction(SmoothingPart.cases(List.of(lean)));
        assertEquals(5, dir.n(), "the init is the unit");
        assertEquals(0.6, dir.mean(), 1e-9);
        assertTrue(dir.significant());
    }
}
