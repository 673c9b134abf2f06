package bitgrad.transforms;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.measure.Probes;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Stage {@code probe}: the discussion probes for one (model, batch), at the lr where STE's step is
 * best. (a) NES max point: the decrease of a step along each of N random directions and their
 * negatives, with their cosine to STE and CDG. (b) Steepest descent near STE: the best and mean
 * decrease of {@code normalize(g_ste + r xi)} over candidates per radius r. (d) sr-STE after the
 * update: the decrease measured with the vanilla sign and with the stochastic forward. Inputs
 * {@code model, init, data, estimates}.
 */
public final class ProbeStage extends Stage<ProbeStage.Params> {

    /**
     * @param model the evaluate model's shape
     * @param point the grid point
     * @param lrStart first rate of the lr grid
     * @param lrStep spacing of the lr grid
     * @param lrCount rates in the grid
     * @param nesDirections random directions of probe (a)
     * @param radii radii of probe (b)
     * @param candidates candidates per radius
     * @param srSamples stochastic forward passes averaged per sr-STE loss
     * @param lrPoints rates of probe (d)
     * @param seed seed of every draw
     */
    public record Params(MlpSpec model, GridPoint point, double lrStart, double lrStep, int lrCount, int nesDirections,
            List<Double> radii, int candidates, int srSamples, int lrPoints, long seed) {
    }

    /** Probe (a). */
    public static final Output NES_POINTS = new Output("nes_points.arrow", Tables.PROBE_NES);

    /** Probe (b). */
    public static final Output SEARCH = new Output("search.arrow", Tables.PROBE_SEARCH);

    /** Probe (d). */
    public static final Output SR_UPDATE = new Output("sr_update.arrow", Tables.PROBE_SR_UPDATE);

    /** Version 2: estimators found by their spec, not their label; the grid point is a parameter. */
    public ProbeStage() {
        super("probe", 2, Params.class, NES_POINTS, SEARCH, SR_UPDATE);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        ParamSet ste = null;
        ParamSet cdg = null;
        ParamSet sr = null;
        double tau = 1;
        for (TaskRef ref : c.inputs("estimates")) {
            Estimator e = c.paramsOf(ref, Stages.ESTIMATE).estimator();
            if (e instanceof SteEstimator) {
                ste = Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), Gradients.Norm.PER_TENSOR);
            } else if (e instanceof CdgEstimator && cdg == null) {
                cdg = Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), Gradients.Norm.PER_TENSOR);
            } else if (e instanceof SrSteEstimator s && sr == null) {
                sr = Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), Gradients.Norm.PER_TENSOR);
                tau = s.tau();
            }
        }
        if (ste == null) {
            throw new IllegalArgumentException("the probes need the STE estimate: set estimators.ste=true");
        }
        long seed = p.seed();
        float[] grid = LrSweep.grid(p.lrStart(), p.lrStep(), p.lrCount());
        try (ArrowBatch data = ToyInputs.data(c, p.model()); TeacherStudentObjective o = ToyInputs.objective(c, p.model(), data)) {
            LrSweep.Result steSweep = LrSweep.sweep(o, ste, grid);
            float lr = steSweep.bestLr();
            c.info("lr", lr);
            float steDecrease = Probes.decreases(o, List.of(ste), lr)[0];
            float cdgDecrease = cdg == null ? Float.NaN : Probes.decreases(o, List.of(cdg), lr)[0];

            List<ParamSet> points = Probes.antitheticDirections(ste, p.nesDirections(), Seeds.derive(seed, "nes"));
            float[] nes = Probes.decreases(o, points, lr);
            ColumnTable t = Tables.PROBE_NES.empty();
            int best = 0;
            for (int i = 0; i < nes.length; i++) {
                best = nes[i] > nes[best] ? i : best;
                t.add((long) (i / 2), i % 2 == 0 ? 1L : -1L, (double) nes[i], Gradients.cosine(points.get(i), ste),
                        cdg == null ? null : Gradients.cosine(points.get(i), cdg), (double) lr, (double) steDecrease,
                        cdg == null ? null : (double) cdgDecrease);
            }
            c.write(NES_POINTS, t);
            c.info("nes_max_decrease", nes[best]);
            c.info("ste_decrease", steDecrease);

            ColumnTable search = Tables.PROBE_SEARCH.empty();
            int m = p.candidates();
            for (double r : p.radii()) {
                List<ParamSet> cands = new ArrayList<>(m);
                for (int k = 0; k < m; k++) {
                    cands.add(Probes.blend(ste, Probes.randomDirection(ste, Seeds.derive(seed, "search", r + "", k)), r));
                }
                float[] d = Probes.decreases(o, cands, lr);
                int bi = 0;
                double mean = 0;
                for (int k = 0; k < d.length; k++) {
                    bi = d[k] > d[bi] ? k : bi;
                    mean += d[k] / d.length;
                }
                search.add(r, (double) d[bi], mean, Gradients.cosine(cands.get(bi), ste),
                        cdg == null ? null : Gradients.cosine(cands.get(bi), cdg), (double) steDecrease);
            }
            c.write(SEARCH, search);

            ColumnTable srT = Tables.PROBE_SR_UPDATE.empty();
            if (sr != null) {
                float stochBase = Probes.stochasticLoss(o, o.point(), tau, p.srSamples(), Seeds.derive(seed, "sr-base"));
                float vanillaBase = o.loss();
                for (int i = 0; i < p.lrPoints(); i++) {
                    float step = grid[(int) ((long) i * (grid.length - 1) / Math.max(1, p.lrPoints() - 1))];
                    ParamSet w = Probes.step(o.point(), sr, step);
                    srT.add((double) step, (double) (vanillaBase - o.loss(w)),
                            (double) (stochBase - Probes.stochasticLoss(o, w, tau, p.srSamples(), Seeds.derive(seed, "sr", i))));
                }
            }
            c.write(SR_UPDATE, srT);
            return String.format(Locale.ROOT, "dim=%d lr=%.4g", p.model().dim(), lr);
        }
    }
}
