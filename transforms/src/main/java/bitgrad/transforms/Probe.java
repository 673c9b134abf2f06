package bitgrad.transforms;

import bitgrad.models.Seeds;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.measure.Probes;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code probe}: the discussion probes (SPEC section 7) for one (model, batch), at the lr
 * where STE's step is best. (a) NES max point: {@code nes_points.arrow}, the decrease of a step
 * along each of N random directions and their negatives, with their cosine to STE and CDG.
 * (b) Steepest descent near STE: {@code search.arrow}, the best and mean decrease of
 * {@code normalize(g_ste + r xi)} over candidates per radius r. (d) sr-STE after the update:
 * {@code sr_update.arrow}, the decrease measured with the vanilla sign and with the stochastic
 * forward. Inputs {@code model, init, data, estimates}; parameters {@code model, labels, lr_*,
 * nes_directions, radii, candidates, sr_samples, lr_points, seed}.
 */
public final class Probe extends StageTransform {

    /** Stage name. */
    public static final String NAME = "probe";

    public Probe(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new ProbeFn(store, force);
    }

    static final class ProbeFn extends StageFn {
        ProbeFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            List<String> labels = new ArrayList<>();
            task.param("labels").forEach(n -> labels.add(n.asText()));
            List<TaskRef> refs = task.inputList("estimates");
            ParamSet ste = null;
            ParamSet cdg = null;
            ParamSet sr = null;
            double tau = 1;
            for (int i = 0; i < labels.size(); i++) {
                String l = labels.get(i);
                if (l.equals("ste")) {
                    ste = Gradients.normalize(readParams(refs.get(i), "gradient.arrow"), Gradients.Norm.PER_TENSOR);
                } else if (l.startsWith("cdg(") && cdg == null) {
                    cdg = Gradients.normalize(readParams(refs.get(i), "gradient.arrow"), Gradients.Norm.PER_TENSOR);
                } else if (l.startsWith("sr-ste(") && sr == null) {
                    sr = Gradients.normalize(readParams(refs.get(i), "gradient.arrow"), Gradients.Norm.PER_TENSOR);
                    tau = Double.parseDouble(l.replaceAll(".*tau=([^,)]+).*", "$1"));
                }
            }
            if (ste == null) {
                throw new IllegalArgumentException("the probes need the STE estimate: set estimators.ste=true");
            }
            long seed = task.param("seed").asLong();
            float[] grid = LrSweep.grid(task.param("lr_start").asDouble(), task.param("lr_step").asDouble(),
                    task.param("lr_count").asInt());
            try (ArrowBatch data = Estimate.data(this, task); TeacherStudentObjective o = Estimate.objective(this, task, data)) {
                LrSweep.Result steSweep = LrSweep.sweep(o, ste, grid);
                float lr = steSweep.bestLr();
                info.put("lr", lr);
                float steDecrease = Probes.decreases(o, List.of(ste), lr)[0];
                float cdgDecrease = cdg == null ? Float.NaN : Probes.decreases(o, List.of(cdg), lr)[0];

                List<ParamSet> points = Probes.antitheticDirections(ste, task.param("nes_directions").asInt(), Seeds.derive(seed, "nes"));
                float[] nes = Probes.decreases(o, points, lr);
                ColumnTable t = new ColumnTable("probe_nes", "direction", ColumnType.LONG, "sign", ColumnType.LONG, "decrease",
                        ColumnType.DOUBLE, "cosine_ste", ColumnType.DOUBLE, "cosine_cdg", ColumnType.DOUBLE, "lr", ColumnType.DOUBLE,
                        "ste_decrease", ColumnType.DOUBLE, "cdg_decrease", ColumnType.DOUBLE);
                int best = 0;
                for (int i = 0; i < nes.length; i++) {
                    best = nes[i] > nes[best] ? i : best;
                    t.add((long) (i / 2), i % 2 == 0 ? 1L : -1L, (double) nes[i], Gradients.cosine(points.get(i), ste),
                            cdg == null ? null : Gradients.cosine(points.get(i), cdg), (double) lr, (double) steDecrease,
                            cdg == null ? null : (double) cdgDecrease);
                }
                ArrowFiles.write(out.file("nes_points.arrow"), t);
                info.put("nes_max_decrease", nes[best]);
                info.put("ste_decrease", steDecrease);

                ColumnTable search = new ColumnTable("probe_search", "radius", ColumnType.DOUBLE, "best_decrease", ColumnType.DOUBLE,
                        "mean_decrease", ColumnType.DOUBLE, "cosine_best_ste", ColumnType.DOUBLE, "cosine_best_cdg", ColumnType.DOUBLE,
                        "ste_decrease", ColumnType.DOUBLE);
                int m = task.param("candidates").asInt();
                for (var rNode : task.param("radii")) {
                    double r = rNode.asDouble();
                    List<ParamSet> cands = new ArrayList<>(m);
                    for (int c = 0; c < m; c++) {
                        cands.add(Probes.blend(ste, Probes.randomDirection(ste, Seeds.derive(seed, "search", r + "", c)), r));
                    }
                    float[] d = Probes.decreases(o, cands, lr);
                    int bi = 0;
                    double mean = 0;
                    for (int c = 0; c < d.length; c++) {
                        bi = d[c] > d[bi] ? c : bi;
                        mean += d[c] / d.length;
                    }
                    search.add(r, (double) d[bi], mean, Gradients.cosine(cands.get(bi), ste),
                            cdg == null ? null : Gradients.cosine(cands.get(bi), cdg), (double) steDecrease);
                }
                ArrowFiles.write(out.file("search.arrow"), search);

                ColumnTable srT = new ColumnTable("probe_sr_update", "lr", ColumnType.DOUBLE, "vanilla_decrease", ColumnType.DOUBLE,
                        "stochastic_decrease", ColumnType.DOUBLE);
                if (sr != null) {
                    int samples = task.param("sr_samples").asInt();
                    int points0 = task.param("lr_points").asInt();
                    float stochBase = Probes.stochasticLoss(o, o.point(), tau, samples, Seeds.derive(seed, "sr-base"));
                    float vanillaBase = o.loss();
                    for (int i = 0; i < points0; i++) {
                        float step = grid[(int) ((long) i * (grid.length - 1) / Math.max(1, points0 - 1))];
                        ParamSet w = Probes.step(o.point(), sr, step);
                        srT.add((double) step, (double) (vanillaBase - o.loss(w)),
                                (double) (stochBase - Probes.stochasticLoss(o, w, tau, samples, Seeds.derive(seed, "sr", i))));
                    }
                }
                ArrowFiles.write(out.file("sr_update.arrow"), srT);
            }
            return String.format(Locale.ROOT, "dim=%d lr=%.4g", task.param("model.dim").asInt(), ((Number) info.get("lr")).doubleValue());
        }
    }
}
