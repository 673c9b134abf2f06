package bitgrad.transforms;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
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
 * Stage {@code probe}: the discussion probes for one (model, batch), each estimator at its own
 * best lr (table {@code best}). (a) NES max point: the NES estimate's own sample points
 * {@code w +- sigma u_k}, their decrease at radius sigma, and the decrease of each normalised
 * {@code u_k} stepped at NES's best lr, with cosines to STE, CDG and NES. (b) Steepest descent
 * near STE: the best and mean decrease of {@code normalize(g_ste + r xi)} over candidates per
 * radius r, at STE's best lr. (d) sr-STE after the update: the decrease measured with the vanilla
 * sign and with the stochastic forward, whose before and after losses share their draws. Every
 * selection (each best lr, the NES max point, the best candidate near STE) is made on the batch
 * and also scored on the held-out batch. Inputs {@code model, init, data, heldout, estimates}.
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
     * @param method null for the line sweep, {@code copies} for a forward pass per rate (the reference)
     */
    public record Params(MlpSpec model, GridPoint point, double lrStart, double lrStep, int lrCount, int nesDirections,
            List<Double> radii, int candidates, int srSamples, int lrPoints, long seed, String method) {
    }

    /** Probe (a). */
    public static final Output NES_POINTS = new Output("nes_points.arrow", Tables.PROBE_NES);

    /** Probe (b). */
    public static final Output SEARCH = new Output("search.arrow", Tables.PROBE_SEARCH);

    /** Probe (d). */
    public static final Output SR_UPDATE = new Output("sr_update.arrow", Tables.PROBE_SR_UPDATE);

    /** Each probed estimator at its own best lr. */
    public static final Output BEST = new Output("best.arrow", Tables.PROBE_BEST);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public ProbeStage() {
        super("probe", 6, Params.class, NES_POINTS, SEARCH, SR_UPDATE, BEST);
    }

    /** Its steps are measured by the lr sweep, walked along each row by the line sweep. */
    @Override
    public List<bitgrad.models.Algorithm> algorithms() {
        return bitgrad.models.measure.LrSweep.ALGORITHMS;
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        Estimator steE = null;
        Estimator cdgE = null;
        NesEstimator nesE = null;
        long nesSeed = 0;
        SrSteEstimator srE = null;
        ParamSet ste = null;
        ParamSet cdg = null;
        ParamSet nes = null;
        ParamSet sr = null;
        for (TaskRef ref : c.inputs("estimates")) {
            EstimateStage.Params ep = c.paramsOf(ref, Stages.ESTIMATE);
            Estimator e = ep.estimator();
            if (e instanceof SteEstimator && ste == null) {
                steE = e;
                ste = direction(c, ref);
            } else if (e instanceof CdgEstimator && cdg == null) {
                cdgE = e;
                cdg = direction(c, ref);
            } else if (e instanceof NesEstimator n && n.antithetic() && nes == null) {
                nesE = n;
                nesSeed = ep.seed();
                nes = direction(c, ref);
            } else if (e instanceof SrSteEstimator s && sr == null) {
                srE = s;
                sr = direction(c, ref);
            }
        }
        if (ste == null) {
            throw new IllegalArgumentException("the probes need the STE estimate: set estimators.ste=true");
        }
        long seed = p.seed();
        float[] grid = LrSweep.grid(p.lrStart(), p.lrStep(), p.lrCount());
        try (ArrowBatch data = ToyInputs.data(c, p.model()); TeacherStudentObjective o = ToyInputs.objective(c, p.model(), data);
                ArrowBatch fresh = ToyInputs.heldout(c, p.model());
                TeacherStudentObjective held = ToyInputs.objective(c, p.model(), fresh)) {
            // every selection (best lr, NES max point, best candidate near STE) is made on the batch and scored on held-out rows too
            ColumnTable best = Tables.PROBE_BEST.empty();
            LrSweep.Method sweep = LrSweep.Method.of(p.method());
            LrSweep.Result steSweep = own(o, held, steE, ste, grid, best, sweep);
            LrSweep.Result cdgSweep = cdg == null ? null : own(o, held, cdgE, cdg, grid, best, sweep);
            LrSweep.Result nesSweep = nes == null ? null : own(o, held, nesE, nes, grid, best, sweep);
            if (sr != null) {
                own(o, held, srE, sr, grid, best, sweep);
            }
            c.write(BEST, best);
            float lr = steSweep.bestLr();
            c.info("lr", lr);
            c.info("ste_decrease", steSweep.bestDecrease());
            c.info("cdg_decrease", cdgSweep == null ? null : cdgSweep.bestDecrease());
            c.info("nes_decrease", nesSweep == null ? null : nesSweep.bestDecrease());

            ColumnTable t = Tables.PROBE_NES.empty();
            if (nes != null) {
                int k = Math.min(p.nesDirections(), nesE.samples());
                List<ParamSet> points = new ArrayList<>(2 * k);
                for (int i = 0; i < k; i++) {
                    ParamSet u = Probes.nesDirection(o.point(), nesSeed, i);
                    points.add(Probes.negate(u)); // w - sigma (-u) = w + sigma u
                    points.add(u);
                }
                float[] atSigma = Probes.decreases(o, points, (float) nesE.sigma());
                List<ParamSet> steps = points.stream().map(d -> Gradients.normalize(d, Gradients.Norm.PER_TENSOR)).toList();
                float[] stepped = Probes.decreases(o, steps, nesSweep.bestLr());
                float[] steppedHeld = Probes.decreases(held, steps, nesSweep.bestLr());
                int bestPoint = 0;
                for (int i = 0; i < points.size(); i++) {
                    bestPoint = atSigma[i] > atSigma[bestPoint] ? i : bestPoint;
                    t.add((long) (i / 2), i % 2 == 0 ? 1L : -1L, (double) atSigma[i], (double) stepped[i], Gradients.cosine(steps.get(i), ste),
                            cdg == null ? null : Gradients.cosine(steps.get(i), cdg), Gradients.cosine(steps.get(i), nes),
                            (double) steppedHeld[i]);
                }
                c.info("nes_max_decrease", stepped[bestPoint]);
                c.info("nes_max_heldout_decrease", steppedHeld[bestPoint]);
                c.info("nes_lr", nesSweep.bestLr());
            }
            c.write(NES_POINTS, t);

            ColumnTable search = Tables.PROBE_SEARCH.empty();
            int m = p.candidates();
            float steDecrease = steSweep.bestDecrease();
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
                // the candidate chosen on the batch, and STE itself, on the held-out rows: a candidate that only fits the batch's
                // noise is steeper there and not here
                float[] onHeld = Probes.decreases(held, List.of(cands.get(bi), ste), lr);
                search.add(r, (double) d[bi], mean, Gradients.cosine(cands.get(bi), ste),
                        cdg == null ? null : Gradients.cosine(cands.get(bi), cdg), (double) steDecrease, (double) onHeld[0],
                        (double) onHeld[1]);
            }
            c.write(SEARCH, search);

            ColumnTable srT = Tables.PROBE_SR_UPDATE.empty();
            if (sr != null) {
                // before and after with the same uniforms (common random numbers): the difference is the step's, not the draws'
                long draws = Seeds.derive(seed, "sr");
                float stochBase = Probes.stochasticLoss(o, o.point(), srE.tau(), p.srSamples(), draws);
                float vanillaBase = o.loss();
                for (int i = 0; i < p.lrPoints(); i++) {
                    float step = grid[(int) ((long) i * (grid.length - 1) / Math.max(1, p.lrPoints() - 1))];
                    ParamSet w = Probes.step(o.point(), sr, step);
                    srT.add((double) step, (double) (vanillaBase - o.loss(w)),
                            (double) (stochBase - Probes.stochasticLoss(o, w, srE.tau(), p.srSamples(), draws)));
                }
            }
            c.write(SR_UPDATE, srT);
            return String.format(Locale.ROOT, "dim=%d ste_lr=%.4g", p.model().dim(), lr);
        }
    }

    private static ParamSet direction(StageContext<Params> c, TaskRef ref) throws java.io.IOException {
        return Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), Gradients.Norm.PER_TENSOR);
    }

    /**
     * The sweep of {@code g} on the grid (continued past an end while the best rate sits there), recorded in {@code best} with
     * the estimator's own best lr, the held-out decrease at that lr, and whether the best still sits at an end.
     */
    private static LrSweep.Result own(TeacherStudentObjective o, TeacherStudentObjective held, Estimator e, ParamSet g, float[] grid,
            ColumnTable best, LrSweep.Method method) {
        LrSweep.Swept s = LrSweep.bracketed(o, held, List.of(g), grid, method, LrSweep.Bracket.DEFAULT).get(0);
        LrSweep.Result r = s.batch();
        best.add(e.label(), e.specJson(), r.descends() ? (Double) (double) r.bestLr() : null, (double) r.bestDecrease(),
                (double) s.heldoutAtBest(), s.atEdge() ? 1L : 0L);
        return r;
    }
}
