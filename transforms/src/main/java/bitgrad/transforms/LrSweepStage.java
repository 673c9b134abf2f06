package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Stage {@code lr-sweep}: for the estimate (or estimates) of one (model, batch), the loss-decrease curve over
 * the lr grid (continued past an end while the best rate sits there) measured with the exact (vanilla sign) forward pass, on the gradient's own batch and
 * on a held-out batch (the decrease on the gradient's batch also rewards fitting that batch's
 * noise); the best decrease and lr. The planner gives each estimate its own task, so a changed
 * estimator reruns only its own sweep (cosines are the {@code cosine} stage's). This is also the
 * post-update evaluation of sr-STE: its update is always measured with the deterministic sign.
 * Inputs {@code model, init, data, heldout, estimates} (each estimate says which estimator made it).
 */
public final class LrSweepStage extends Stage<LrSweepStage.Params> {

    /**
     * @param model the evaluate model's shape
     * @param point the grid point (carried into the tables of the summary)
     * @param lrStart first learning rate of the grid
     * @param lrStep spacing of the grid
     * @param lrCount number of rates
     * @param normalize per_tensor or global unit norm before the step
     * @param method null for the line sweep, {@code copies} for a forward pass per rate (the reference)
     */
    public record Params(MlpSpec model, GridPoint point, double lrStart, double lrStep, int lrCount, String normalize, String method) {
    }

    /** Loss and decrease per (estimator, lr). */
    public static final Output CURVES = new Output("curves.arrow", Tables.LR_CURVE);

    /** Best decrease and lr per estimator. */
    public static final Output BEST = new Output("best.arrow", Tables.LR_BEST);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public LrSweepStage() {
        super("lr-sweep", 9, Params.class, CURVES, BEST);
    }

    /** Its steps are measured by the lr sweep, walked along each row by the line sweep. */
    @Override
    public List<bitgrad.models.Algorithm> algorithms() {
        return bitgrad.models.measure.LrSweep.ALGORITHMS;
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        List<TaskRef> refs = c.inputs("estimates");
        float[] lrs = LrSweep.grid(p.lrStart(), p.lrStep(), p.lrCount());
        Gradients.Norm norm = Gradients.Norm.valueOf(p.normalize().toUpperCase(Locale.ROOT));
        ColumnTable curves = Tables.LR_CURVE.empty();
        ColumnTable best = Tables.LR_BEST.empty();
        List<ParamSet> grads = new ArrayList<>();
        List<Estimator> ests = new ArrayList<>();
        try (ArrowBatch data = ToyInputs.data(c, p.model()); TeacherStudentObjective o = ToyInputs.objective(c, p.model(), data);
                ArrowBatch fresh = ToyInputs.heldout(c, p.model());
                TeacherStudentObjective held = ToyInputs.objective(c, p.model(), fresh)) {
            for (TaskRef ref : refs) {
                ests.add(c.paramsOf(ref, Stages.ESTIMATE).estimator());
                grads.add(Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), norm));
            }
            // every estimate's steps in one pass over each batch, continued past an end of the grid where the best rate sits
            List<LrSweep.Swept> swept = LrSweep.bracketed(o, held, grads, lrs, LrSweep.Method.of(p.method()), LrSweep.Bracket.DEFAULT);
            for (int i = 0; i < refs.size(); i++) {
                Estimator e = ests.get(i);
                String spec = e.specJson();
                LrSweep.Swept s = swept.get(i);
                LrSweep.Result r = s.batch();
                LrSweep.Result h = s.heldout();
                float[] d = r.decrease();
                float[] hd = h.decrease();
                GridPoint g = p.point();
                Object[] id = {(long) g.dim(), g.activation(), g.rows(), (long) g.init(), (long) g.batch(), g.pretrained() ? 1L : 0L,
                    e.label(), spec, e.family()};
                for (int k = 0; k < r.lrs().length; k++) {
                    curves.add(concat(id, (double) r.lrs()[k], (double) r.losses()[k], (double) d[k], (double) h.losses()[k], (double) hd[k]));
                }
                // no rate of the grid went downhill: no best lr (null), the best "decrease" stays to show by how much
                best.add(concat(id, (double) r.baseLoss(), (double) r.bestDecrease(), r.descends() ? (Double) (double) r.bestLr() : null,
                        ((Number) c.infoOf(refs.get(i), "nominal_flops")).doubleValue(), (double) h.baseLoss(), (double) s.heldoutAtBest(),
                        (double) h.bestDecrease(), e.perturbationNorm(grads.get(i).numel()), (double) s.low(), (double) s.high(),
                        s.atEdge() ? 1L : 0L));
            }
        }
        c.write(CURVES, curves);
        c.write(BEST, best);
        return refs.size() + " estimators dim=" + p.model().dim();
    }

    /** The identifying columns followed by the measured ones: one row. */
    private static Object[] concat(Object[] id, Object... values) {
        Object[] row = java.util.Arrays.copyOf(id, id.length + values.length);
        System.arraycopy(values, 0, row, id.length, values.length);
        return row;
    }
}
