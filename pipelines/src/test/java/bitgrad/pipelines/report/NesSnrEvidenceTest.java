package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Variance explains NES's failure only where the pretrained ratio to sqrt(N/(d+1)) is clearly below 1 and the raw one is not. */
class NesSnrEvidenceTest {

    /** nes-snr rows for 5 inits x 2 batches at N=100, d=99 (smooth-loss ratio 1): snr = ratio x 1 with a little spread. */
    static ColumnTable table(double rawRatio, double pretrainedRatio, double spread) {
        ColumnTable t = Tables.NES_SNR.empty();
        java.util.SplittableRandom r = new java.util.SplittableRandom(9);
        for (int pre = 0; pre < 2; pre++) {
            for (int init = 0; init < 5; init++) {
                for (int batch = 0; batch < 2; batch++) {
                    double snr = (pre == 1 ? pretrainedRatio : rawRatio) + spread * (r.nextDouble() - 0.5);
                    // a smaller count is ignored: only the largest N is read
                    t.add(16L, "sign", 4096L, (long) init, (long) batch, (long) pre, 0.1, 10L, 5L, 1.0, 1.0, 1.0, 0.01, null, null, null,
                            null, null, null, 99L, Math.sqrt(10 / 100.0));
                    t.add(16L, "sign", 4096L, (long) init, (long) batch, (long) pre, 0.1, 100L, 5L, 1.0, 1.0, 1.0, snr, null, null, null,
                            null, null, null, 99L, Math.sqrt(100 / 100.0));
                }
            }
        }
        return t;
    }

    @Test
    void onlyAPretrainedRatioClearlyBelowTheSmoothLossOneWhileTheRawIsNotExplainsIt() {
        NesSnrEvidence smooth = NesSnrEvidence.of(List.of(table(1.0, 0.95, 0.2)));
        assertEquals(100, smooth.samples());
        assertEquals(5, smooth.cells().get(0).pretrained().n(), "the init is the unit: 10 rows are 5 inits");
        assertFalse(smooth.supported(), smooth.sentence());
        assertTrue(smooth.sentence().contains("Not supported"), smooth.sentence());
        NesSnrEvidence collapsed = NesSnrEvidence.of(List.of(table(1.0, 0.3, 0.1)));
        assertTrue(collapsed.supported(), collapsed.sentence());
        assertEquals(List.of(16L), collapsed.explainedDims());
        assertEquals(0.3, collapsed.meanRatio(true), 0.05);
        // below the smooth-loss ratio before pretraining as well, and no lower after: not what pretraining did
        NesSnrEvidence always = NesSnrEvidence.of(List.of(table(0.3, 0.3, 0.1)));
        assertFalse(always.supported(), always.sentence());
        // a little below before, far below after: pretraining made it fall
        NesSnrEvidence fell = NesSnrEvidence.of(List.of(table(0.9, 0.15, 0.05)));
        assertTrue(fell.supported(), fell.sentence());
    }
}
