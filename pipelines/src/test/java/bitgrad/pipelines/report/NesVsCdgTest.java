package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The nes-vs-cdg verdict: a setting ahead at every width says yes, CDG ahead at one says no, noise decides nothing. */
class NesVsCdgTest {

    private static final NesEstimator SMALL = NesEstimator.antithetic(0.01, 500);
    private static final NesEstimator LARGE = NesEstimator.antithetic(0.1, 500);

    /** Six repeats (three inits of two batches) with held-out decreases {@code base + step * repeat + noise}. */
    private static Cells.Cell cell(Estimator e, long dim, double base, double noise) {
        double[] held = new double[6];
        for (int i = 0; i < 6; i++) {
            held[i] = base + noise * ((i * 7919) % 13 - 6) / 6.0 + 0.001 * i;
        }
        Cells.Cell c = FindingsTest.cell(e, held, 0.1);
        return new Cells.Cell(c.variant(), c.activation(), c.pretrained(), dim, c.estimator(), c.spec(), c.best(), c.lr(), c.flops(),
                c.rows(), c.heldout(), c.perturbationNorm(), c.relative(), c.repeats(), c.edge(), c.lrLow(), c.lrHigh());
    }

    private static NesVsCdg.Width width(long dim, double cdg, double small, double large, double noise) {
        Map<String, Cells.Cell> nes = new LinkedHashMap<>();
        nes.put(SMALL.label(), cell(SMALL, dim, small, noise));
        nes.put(LARGE.label(), cell(LARGE, dim, large, noise));
        return new NesVsCdg.Width(dim, cell(new CdgEstimator(0.01), dim, cdg, 0), nes, false);
    }

    @Test
    void oneSettingAheadAtEveryWidthIsAYes() {
        List<NesVsCdg.Width> w = List.of(width(8, 0.10, 0.20, 0.15, 0), width(16, 0.10, 0.13, 0.18, 0));
        NesVsCdg.Judged j = NesVsCdg.judge(new ArrayList<>(w));
        // small: margins +1.0 and +0.3 relative; large: +0.5 and +0.8: large's worst margin is the better one
        assertEquals(LARGE.label(), j.chosen());
        assertEquals("yes", j.answer(), j.open() + " " + j.behind());
    }

    @Test
    void cdgAheadOfEveryNesAtOneWidthIsANo() {
        List<NesVsCdg.Width> w = List.of(width(8, 0.10, 0.20, 0.15, 0), width(16, 0.30, 0.13, 0.18, 0));
        NesVsCdg.Judged j = NesVsCdg.judge(new ArrayList<>(w));
        assertEquals("no", j.answer());
        assertEquals(1, j.behind().size());
    }

    @Test
    void marginsWithinTheNoiseDecideNothing() {
        List<NesVsCdg.Width> w = List.of(width(8, 0.10, 0.101, 0.1005, 0.05), width(16, 0.10, 0.1005, 0.101, 0.05));
        NesVsCdg.Judged j = NesVsCdg.judge(new ArrayList<>(w));
        assertEquals("not-decided", j.answer(), j.ahead() + " " + j.behind());
    }

    @Test
    void aChoiceAtTheEndOfAGridIsSaidWithTheKeysThatContinueIt() {
        List<NesVsCdg.Width> w = List.of(width(8, 0.10, 0.20, 0.15, 0), width(16, 0.10, 0.13, 0.18, 0));
        String chosen = NesVsCdg.judge(new ArrayList<>(w)).chosen();
        // sigma 0.1 is the larger of the two tried; dim 8's best NES (sigma 0.01) the smaller; the best CDG (eps 0.01) the
        // smaller of 0.01 and 0.1 at both widths
        NesVsCdg.Edges edges = NesVsCdg.edges(chosen, w, new java.util.TreeSet<>(List.of(0.01, 0.1)));
        assertEquals("sigma_max,best_nes_sigma_min:8,eps_min:8+16", edges.token());
        assertEquals(" At the grid's edge: nes(sigma=0.1,n=500)'s sigma (0.1) is the largest tried; the best NES's sigma is the smallest"
                + " tried (0.01) at dim 8; the best CDG's eps is the smallest tried (0.01) at dim 8, 16; a grid continued past it"
                + " (estimators.nes.sigma, estimators.cdg.eps) may change the answer.", edges.sentence());
        // inside both grids: a sigma above and below the chosen one (also the best), an eps on either side of the best CDG's
        Map<String, Cells.Cell> nes = new LinkedHashMap<>();
        NesEstimator wide = NesEstimator.antithetic(0.3, 500);
        nes.put(SMALL.label(), cell(SMALL, 8, 0.05, 0));
        nes.put(LARGE.label(), cell(LARGE, 8, 0.15, 0));
        nes.put(wide.label(), cell(wide, 8, 0.01, 0));
        List<NesVsCdg.Width> inside = List.of(new NesVsCdg.Width(8, w.get(0).cdg(), nes, false));
        NesVsCdg.Edges none = NesVsCdg.edges(LARGE.label(), inside, new java.util.TreeSet<>(List.of(0.001, 0.01, 0.1)));
        assertEquals("none", none.token());
        assertEquals("", none.sentence());
        assertEquals("sigma_min", NesVsCdg.edges(SMALL.label(), inside, new java.util.TreeSet<>(List.of(0.001, 0.01, 0.1))).token());
    }
}
