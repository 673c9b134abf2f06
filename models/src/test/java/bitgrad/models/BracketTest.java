package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.measure.Probes;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.ArrayBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** A sweep whose best rate sits at an end of its grid is continued past that end until the best rate lies inside, or the limit says unresolved. */
class BracketTest {

    static final MlpSpec SPEC = new MlpSpec(6, 3, Quantizer.parse("sign"), false);

    static float[] inputs(long seed, int rows) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[rows * SPEC.dim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** A unit random direction, signed so that a small step along {@code -d} lowers the loss. */
    static ParamSet downhill(TeacherStudentObjective o) {
        for (long seed = 1; ; seed++) {
            ParamSet d = Gradients.normalize(Probes.randomDirection(o.point(), seed), Gradients.Norm.GLOBAL);
            float ahead = o.loss(Probes.step(o.point(), d, 1e-3));
            if (ahead < o.loss()) {
                return d;
            }
            ParamSet back = Probes.step(Probes.step(d, d, 1), d, 1); // -d
            if (o.loss(Probes.step(o.point(), back, 1e-3)) < o.loss()) {
                return back;
            }
        }
    }

    /** The best rate lies strictly inside what was swept; every added rate's losses are the losses of stepping there, on both batches. */
    static void checkInside(LrSweep.Swept s, TeacherStudentObjective o, TeacherStudentObjective held, ParamSet d) {
        int best = s.batch().bestIndex();
        assertTrue(best > 0 && best < s.batch().lrs().length - 1, "best rate " + s.batch().bestLr() + " inside " + s.low() + ".." + s.high());
        assertFalse(s.atEdge());
        float[] lrs = s.batch().lrs();
        for (int i = 1; i < lrs.length; i++) {
            assertTrue(lrs[i] > lrs[i - 1], "rates ascend");
        }
        assertEquals(lrs.length, s.heldout().lrs().length);
        for (int i = 0; i < lrs.length; i++) {
            float onBatch = o.loss(Probes.step(o.point(), d, lrs[i]));
            float onHeld = held.loss(Probes.step(held.point(), d, lrs[i]));
            assertEquals(onBatch, s.batch().losses()[i], 1e-4 * Math.abs(onBatch) + 1e-6, "batch lr " + lrs[i]);
            assertEquals(onHeld, s.heldout().losses()[i], 1e-4 * Math.abs(onHeld) + 1e-6, "held-out lr " + lrs[i]);
        }
        assertEquals(s.heldout().decrease()[best], s.heldoutAtBest(), 0f, "held-out decrease at the rate chosen on the batch");
    }

    @Test
    void aBestRateAtEitherEndIsBracketedAndALimitLeavesItUnresolved() {
        ToyProblem toy = new ToyProblem(SPEC, 17);
        try (TeacherStudentObjective o = toy.objective(new ArrayBatch(inputs(5, 400), SPEC.dim(), 400));
                TeacherStudentObjective held = toy.objective(new ArrayBatch(inputs(6, 400), SPEC.dim(), 400))) {
            ParamSet d = downhill(o);
            // rates far too small: the decrease still rises at the top of the grid, so the sweep goes on upwards
            float[] small = LrSweep.grid(1e-5, 1e-5, 4);
            LrSweep.Swept up = LrSweep.bracketed(o, held, List.of(d), small, LrSweep.Method.LINE, LrSweep.Bracket.DEFAULT).get(0);
            assertEquals(1e-5f, up.low(), 0f);
            assertTrue(up.high() > 4e-5f * 1.2, "extended upwards to " + up.high());
            checkInside(up, o, held, d);
            // rates far too large: the loss rises at every rate but the smallest ones, so the sweep goes on downwards
            float[] large = LrSweep.grid(50, 50, 4);
            LrSweep.Swept down = LrSweep.bracketed(o, held, List.of(d), large, LrSweep.Method.LINE, LrSweep.Bracket.DEFAULT).get(0);
            assertTrue(down.low() < 50f / 1.2, "extended downwards to " + down.low());
            assertEquals(200f, down.high(), 0f);
            checkInside(down, o, held, d);
            // a limit just above the grid: one more rate, the best still at the top, so unresolved
            LrSweep.Bracket tight = new LrSweep.Bracket(1.25, 8, 1e-8, 4e-5 * 1.3);
            LrSweep.Swept capped = LrSweep.bracketed(o, held, List.of(d), small, LrSweep.Method.LINE, tight).get(0);
            assertEquals(5, capped.batch().lrs().length, "one rate added below the limit");
            assertTrue(capped.atEdge(), "best rate " + capped.batch().bestLr() + " at the limit");
            // a grid that holds its optimum is left as it is
            float[] fine = java.util.Arrays.copyOfRange(up.batch().lrs(), 0, up.batch().lrs().length);
            LrSweep.Swept kept = LrSweep.bracketed(o, held, List.of(d), fine, LrSweep.Method.LINE, LrSweep.Bracket.DEFAULT).get(0);
            assertEquals(fine.length, kept.batch().lrs().length);
        }
    }
}
