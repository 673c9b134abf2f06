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
}
