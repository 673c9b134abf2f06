package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.measure.Probes;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.ArrayBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The one-pass sweep of many directions over a sliced batch equals stepping and evaluating each point on its own. */
class SweepAllTest {

    @Test
    void slicesOutermostGiveTheSameLossesAsOnePointAtATime() {
        SplittableRandom r = new SplittableRandom(5);
        MlpSpec spec = new MlpSpec(6, 3, Quantizer.parse("sign"), false);
        ToyProblem toy = new ToyProblem(spec, 17);
        float[] x = new float[300 * spec.dim()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        float[] lrs = LrSweep.grid(0.01, 0.05, 7);
        try (TeacherStudentObjective o = toy.objective(new ArrayBatch(x, spec.dim(), 64))) {
            List<ParamSet> dirs = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                dirs.add(Probes.randomDirection(o.point(), 100 + k));
            }
            List<LrSweep.Result> all = LrSweep.sweepAll(o, dirs, lrs);
            assertEquals(o.loss(), all.get(0).baseLoss(), 1e-6 * o.loss());
            for (int k = 0; k < 3; k++) {
                for (int i = 0; i < lrs.length; i++) {
                    float expected = o.loss(Probes.step(o.point(), dirs.get(k), lrs[i]));
                    assertEquals(expected, all.get(k).losses()[i], 1e-5 * expected, "direction " + k + " lr " + lrs[i]);
                }
            }
            // and the same as the sweep of each direction on its own
            LrSweep.Result one = LrSweep.sweep(o, Gradients.normalize(dirs.get(1), Gradients.Norm.PER_TENSOR), lrs);
            for (int i = 0; i < lrs.length; i++) {
                assertEquals(one.losses()[i], all.get(1).losses()[i], 1e-6 * one.losses()[i]);
            }
        }
    }
}
