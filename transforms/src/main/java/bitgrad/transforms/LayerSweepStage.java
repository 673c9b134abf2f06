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
 * Stage {@code layer-sweep}: how much of one estimate's decrease each layer gives. The
 * normalised estimate is restricted to one layer (the others set to zero), to every hidden layer
 * without the output one, and left whole; each restriction is swept over the lr grid like
 * {@code lr-sweep} (exact forward, gradient batch and held-out batch), and its best decrease is
 * recorded (science.md §7, question {@code last-layer}). Inputs as {@code lr-sweep}.
 */
public final class LayerSweepStage extends Stage<LayerSweepStage.Params> {

    /**
     * @param model the evaluate model's shape (its teacher included)
     * @param point the grid point
     * @param lrStart first learning rate of the grid
     * @param lrStep spacing of the grid
     * @param lrCount number of rates
     * @param normalize per_tensor or global unit norm before the restriction
     * @param method null for the line sweep, {@code copies} for a forward pass per rate (the reference)
     */
    public record Params(MlpSpec model, GridPoint point, double lrStart, double lrStep, int lrCount, String normalize, String method) {
    }

    /** Best decrease per layer restriction. */
    public static final Output LAYERS = new Output("layers.arrow", Tables.LAYER_SWEEP);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public LayerSweepStage() {
        super("layer-sweep", 4, Params.class, LAYERS);
    }

    /** Its steps are measured by the lr sweep, walked along each row by the line sweep. */
    @Override
    public List<bitgrad.models.Algorithm> algorithms() {
        return bitgrad.models.measure.LrSweep.ALGORITHMS;
    }

    /** The restrictions of a model with {@code layers} weight tensors: each alone, the hidden ones, all. */
    public static List<String> updates(int layers) {
        List<String> u = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            u.add("layer" + l);
        }
        if (layers > 1) {
            u.add("hidden");
        }
        u.add("all");
        return u;
    }

    /** {@code d} with every tensor outside {@code update} set to zero. */
    static ParamSet restrict(ParamSet d, String update) {
        int last = d.count() - 1;
        return d.map(t -> {
            boolean keep = update.equals("all") || update.equals("hidden") && t < last || update.equals("layer" + t);
            return keep ? d.get(t).data() : new float[d.get(t).size()];
        });
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        TaskRef ref = c.inputs("estimates").get(0);
        Estimator e = c.paramsOf(ref, Stages.ESTIMATE).estimator();
        float[] lrs = LrSweep.grid(p.lrStart(), p.lrStep(), p.lrCount());
        ParamSet g = Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), Gradients.Norm.valueOf(p.normalize().toUpperCase(Locale.ROOT)));
        List<String> updates = updates(g.count());
        List<ParamSet> dirs = new ArrayList<>();
        updates.forEach(u -> dirs.add(restrict(g, u)));
        ColumnTable t = Tables.LAYER_SWEEP.empty();
        try (ArrowBatch data = ToyInputs.data(c, p.model()); TeacherStudentObjective o = ToyInputs.objective(c, p.model(), data);
                ArrowBatch fresh = ToyInputs.heldout(c, p.model());
                TeacherStudentObjective held = ToyInputs.objective(c, p.model(), fresh)) {
            List<LrSweep.Swept> swept = LrSweep.bracketed(o, held, dirs, lrs, LrSweep.Method.of(p.method()), LrSweep.Bracket.DEFAULT);
            GridPoint pt = p.point();
            for (int i = 0; i < updates.size(); i++) {
                LrSweep.Result r = swept.get(i).batch();
                t.add((long) pt.dim(), pt.activation(), pt.rows(), (long) pt.init(), (long) pt.batch(), pt.pretrained() ? 1L : 0L, e.label(),
                        e.specJson(), e.family(), p.model().teacherKind(), updates.get(i), (double) r.baseLoss(), (double) r.bestDecrease(),
                        r.descends() ? (Double) (double) r.bestLr() : null, (double) swept.get(i).heldoutAtBest(),
                        swept.get(i).atEdge() ? 1L : 0L);
            }
        }
        c.write(LAYERS, t);
        return e.label() + " " + updates.size() + " layer restrictions dim=" + p.model().dim();
    }
}
