package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.RandomDirectionEstimator;
import bitgrad.models.estimators.SteEstimator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The findings' claim can come out either way, and only from the data: winner on one set, test on another, inits as the unit. */
class FindingsTest {

    /** A cell with 2 batches per init; {@code heldout} per repeat, best decreases a little above them, its best lr inside the rates swept. */
    static Cells.Cell cell(Estimator e, double[] heldout, double lr) {
        return cell(e, heldout, lr, false);
    }

    /** {@link #cell} whose best lr is (or not) still at an end of the rates swept in every repeat. */
    static Cells.Cell cell(Estimator e, double[] heldout, double lr, boolean atEdge) {
        List<Double> best = new ArrayList<>();
        List<Double> held = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        List<String> repeats = new ArrayList<>();
        List<Boolean> edge = new ArrayList<>();
        for (int i = 0; i < heldout.length; i++) {
            best.add(heldout[i] * 1.1);
            held.add(heldout[i]);
            lrs.add(lr);
            repeats.add(i / 2 + "/" + i % 2);
            edge.add(atEdge);
        }
        return new Cells.Cell("v", "sign", 1, 8, e.label(), e, best, lrs, 1e6, 4096, held, null, new ArrayList<>(best), repeats, edge,
                new ArrayList<>(java.util.Collections.nCopies(heldout.length, 1e-4)),
                new ArrayList<>(java.util.Collections.nCopies(heldout.length, atEdge ? lr : 0.3)));
    }

    static double[] around(double mean, double spread, int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = mean + spread * (r.nextDouble() - 0.5);
        }
        return v;
    }

    @Test
    void aClearGapOverInitsIsSeparableAndNoiseIsNot() {
        // 6 inits x 2 batches: CDG ahead of STE by 0.01 with a spread of 0.002, the control far below
        Cells.Cell cdg = cell(new CdgEstimator(0.1), around(0.05, 0.002, 12, 1), 0.02);
        Cells.Cell ste = cell(new SteEstimator(), around(0.04, 0.002, 12, 2), 0.02);
        Cells.Cell control = cell(new RandomDirectionEstimator(), around(0.5, 0.002, 12, 3), 0.02);
        Findings.Claim clear = Findings.claim("g", List.of(ste, cdg, control));
        assertEquals(cdg, clear.best(), "the control is never the winner, however large its decrease");
        assertEquals(6, clear.test().n(), "the init is the unit: 12 repeats are 6 inits");
        assertTrue(clear.separable(clear.test().p()), clear.sentence(clear.test().p()));
        assertTrue(clear.headline(clear.test().p()).contains("separable=yes inits=6 p="));
        // the same two estimators with a gap well inside their spread
        Cells.Cell near = cell(new CdgEstimator(0.1), around(0.0402, 0.02, 12, 4), 0.02);
        Cells.Cell ste2 = cell(new SteEstimator(), around(0.04, 0.02, 12, 5), 0.02);
        Findings.Claim noise = Findings.claim("g", List.of(ste2, near));
        assertFalse(noise.separable(noise.test().p()), noise.sentence(noise.test().p()));
        assertTrue(noise.sentence(noise.test().p()).contains("this design detects differences of"));
    }

    @Test
    void aBestRateStillAtAnEndOfTheRatesSweptClaimsNothing() {
        Cells.Cell cdg = cell(new CdgEstimator(0.1), around(0.05, 0.002, 12, 1), 1000, true);
        Cells.Cell ste = cell(new SteEstimator(), around(0.04, 0.002, 12, 2), 0.02);
        Findings.Claim c = Findings.claim("g", List.of(ste, cdg));
        assertFalse(c.testable());
        assertTrue(c.headline(Double.NaN).endsWith("p=none unresolved=grid-edge"), c.headline(Double.NaN));
        assertTrue(c.sentence(Double.NaN).contains("unresolved"));
        assertNull(Findings.claim("g", List.of(ste)).second());
    }

    @Test
    void repeatsWithoutDescentAreOneLinePerGroupNamingEachSetting() {
        Cells.Cell ste = cell(new SteEstimator(), around(0.04, 0.002, 6, 2), 0.02);
        Cells.Cell cdg = cell(new CdgEstimator(0.1), around(0.05, 0.002, 6, 1), 0.02);
        Cells.Cell control = cell(new RandomDirectionEstimator(), around(0.01, 0.002, 6, 3), 0.02);
        assertNull(Findings.noDescent("g", List.of(ste, cdg, control)), "every repeat descends: nothing to check");
        // one repeat of CDG and two of the control found no lr that lowers the loss (no best lr recorded)
        cdg.lr().remove(0);
        control.lr().remove(0);
        control.lr().remove(0);
        String line = Findings.noDescent("v, dim=8", List.of(ste, cdg, control));
        assertEquals("v, dim=8: no descent (no lr of the grid lowers the loss) in some repeats of 2 settings: cdg(eps=0.1) 1/6; random 2/6.",
                line);
    }

    @Test
    void aGridOfSettingsWithoutDescentIsCountedPerFamily() {
        List<Cells.Cell> cells = new ArrayList<>();
        for (double sigma : new double[] {0.3, 0.1, 0.03}) {
            for (int samples : new int[] {500, 5000}) {
                cells.add(cell(bitgrad.models.estimators.NesEstimator.antithetic(sigma, samples), around(0.01, 0.002, 6, 5), 0.02));
            }
        }
        cells.add(cell(new SteEstimator(), around(0.04, 0.002, 6, 2), 0.02));
        cells.add(cell(new RandomDirectionEstimator(), around(0.01, 0.002, 6, 3), 0.02));
        // NES: 5 of 6 settings lose 1-3 repeats; the control 2
        for (int i = 0; i < 5; i++) {
            for (int r = 0; r <= i % 3; r++) {
                cells.get(i).lr().remove(0);
            }
        }
        cells.get(7).lr().remove(0);
        cells.get(7).lr().remove(0);
        assertEquals("v, dim=8: no descent (no lr of the grid lowers the loss) in some repeats of 6 of 8 settings: nes 5 of 6 (1-3 of 6"
                + " repeats), random (2 of 6 repeats); per setting: repeats_no_descent of best_settings.", Findings.noDescent("v, dim=8",
                        cells));
    }

    @Test
    void unplateauedModelsPastAFewAreTheirSpreadEachWay() {
        assertEquals("fell 1.9-7.5% in 3", Findings.spread("fell", List.of(7.5, 1.9, 4.0)));
        assertEquals("rose 2.0% in 1", Findings.spread("rose", List.of(2.0)));
        assertEquals("", Findings.spread("rose", List.of()));
    }
}
