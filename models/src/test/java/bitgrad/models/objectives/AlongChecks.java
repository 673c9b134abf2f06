package bitgrad.models.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitgrad.models.measure.Probes;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;

/** What tests of losses along directions share: the directions, and each copy evaluated on its own. */
public final class AlongChecks {

    private AlongChecks() {
    }

    /** {@code count} random directions shaped like {@code point}, seeded {@code firstSeed, firstSeed + 1, ...}. */
    public static List<ParamSet> directions(ParamSet point, int count, long firstSeed) {
        List<ParamSet> dirs = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            dirs.add(Probes.randomDirection(point, firstSeed + d));
        }
        return dirs;
    }

    /**
     * Asserts that {@code along[d][i]} is the loss at {@code w + coefficients[d][i] v_d}, evaluated
     * on its own, for every {@code every}-th direction (float rounding apart).
     */
    public static void assertEachCopysOwn(Objective o, List<ParamSet> dirs, float[][] coefficients, float[][] along, int every,
            String what) {
        for (int d = 0; d < coefficients.length; d += every) {
            for (int i = 0; i < coefficients[d].length; i++) {
                float expected = o.loss(plus(o.point(), dirs.get(d), coefficients[d][i]));
                assertEquals(expected, along[d][i], 2e-6 * expected + 1e-8, what + " direction " + d + " coefficient " + coefficients[d][i]);
            }
        }
    }

    /** {@code w + c v} in float, as the copies are built. */
    private static ParamSet plus(ParamSet w, ParamSet v, float c) {
        return w.map(t -> {
            float[] out = w.get(t).data().clone();
            float[] dv = v.get(t).data();
            for (int i = 0; i < out.length; i++) {
                out[i] += c * dv[i];
            }
            return out;
        });
    }
}
