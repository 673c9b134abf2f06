package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.Smoothing;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Stage {@code smoothing}: does a smoothing estimator's step go downhill on the true loss, on the
 * loss smoothed at its own scale, or both (science.md §7, question {@code smoothing})? For one NES
 * estimate: its normalised step restricted to each layer, the hidden layers and whole (as
 * {@code layer-sweep}), each scaled to unit norm and stepped by sigma (the distance over which NES
 * looks); the loss at the point, the true change and the change of the loss Gaussian-smoothed with
 * sigma, over common draws. CDG is left out: its central difference at eps is the slope of the loss
 * averaged uniformly along one coordinate at a time, not of a Gaussian smoothing, so this stage's
 * smoothed loss is not the one CDG follows. Inputs as {@code lr-sweep} (the held-out batch unused).
 */
public final class SmoothingStage extends Stage<SmoothingStage.Params> {

    /**
     * @param model the evaluate model's shape
     * @param point the grid point
     * @param samples draws of the smoothed loss's Monte Carlo estimate
     * @param normalize per_tensor or global, as the sweeps normalise
     * @param seed seed of the draws
     * @param updates the restrictions to measure ({@code all}, {@code hidden}, {@code layerN});
     *        null for every one
     */
    public record Params(MlpSpec model, GridPoint point, int samples, String normalize, long seed, List<String> updates) {

        /** Every layer restriction. */
        public Params(MlpSpec model, GridPoint point, int samples, String normalize, long seed) {
            this(model, point, samples, normalize, seed, null);
        }
    }

    /** True and smoothed change per layer restriction. */
    public static final Output CHANGES = new Output("smoothing.arrow", Tables.SMOOTHING);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public SmoothingStage() {
        super("smoothing", 4, Params.class, CHANGES);
    }

    /** The Gaussian smoothing scale an estimator follows: NES's sigma; null for the others (CDG's is not Gaussian). */
    public static Double scale(Estimator e) {
        return e instanceof NesEstimator nes ? nes.sigma() : null;
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        TaskRef ref = c.inputs("estimates").get(0);
        Estimator e = c.paramsOf(ref, Stages.ESTIMATE).estimator();
        if (scale(e) == null) {
            throw new IllegalArgumentException("the smoothing stage measures NES estimates only, got " + e.label());
        }
        double scale = scale(e);
        ParamSet g = Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), Gradients.Norm.valueOf(p.normalize().toUpperCase(Locale.ROOT)));
        List<String> updates = LayerSweepStage.updates(g.count());
        if (p.updates() != null) {
            updates.retainAll(p.updates());
        }
        List<ParamSet> dirs = new ArrayList<>();
        for (String u : updates) {
            dirs.add(Gradients.normalize(LayerSweepStage.restrict(g, u), Gradients.Norm.GLOBAL)); // unit norm over all tensors
        }
        double step = scale; // a step as long as the scale the estimator looks over
        ColumnTable t = Tables.SMOOTHING.empty();
        try (ArrowBatch data = ToyInputs.data(c, p.model()); TeacherStudentObjective o = ToyInputs.objective(c, p.model(), data)) {
            List<Smoothing.Change> ch = Smoothing.along(o, dirs, step, scale, p.samples(), p.seed());
            GridPoint pt = p.point();
            for (int i = 0; i < updates.size(); i++) {
                t.add((long) pt.dim(), pt.activation(), pt.rows(), (long) pt.init(), (long) pt.batch(), pt.pretrained() ? 1L : 0L, e.label(),
                        e.specJson(), e.family(), updates.get(i), scale, step, ch.get(i).trueChange(), ch.get(i).smoothedChange(),
                        ch.get(i).smoothedSe(), (long) p.samples(), ch.get(i).baseLoss());
            }
        }
        c.write(CHANGES, t);
        return e.label() + " " + updates.size() + " restrictions dim=" + p.model().dim();
    }
}
