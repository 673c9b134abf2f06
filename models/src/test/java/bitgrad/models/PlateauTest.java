package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.Pretrainer;
import org.junit.jupiter.api.Test;

/** "Plateaued" means the loss neither fell nor rose over the last tenth of the steps. */
class PlateauTest {

    static float[] curve(double start, double end) {
        float[] v = new float[100];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (start + (end - start) * i / (v.length - 1));
        }
        return v;
    }

    @Test
    void aRiseIsNoPlateau() {
        float[] flat = curve(1.0, 1.0);
        assertEquals(0, Pretrainer.Result.lastTenthRelativeDecrease(flat), 1e-12);
        assertTrue(Pretrainer.Result.plateaued(flat));
        assertFalse(Pretrainer.Result.plateaued(curve(2.0, 1.0)), "still falling");
        float[] rising = curve(1.0, 3.0);
        assertTrue(Pretrainer.Result.lastTenthRelativeDecrease(rising) < -0.01);
        assertFalse(Pretrainer.Result.plateaued(rising), "a loss that rose is not at a plateau (the drill's -184 % 'plateaued=true')");
    }
}
