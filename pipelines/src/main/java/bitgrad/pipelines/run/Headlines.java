package bitgrad.pipelines.run;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.transforms.ProbeStage;
import bitgrad.transforms.ResNetGradStage;
import bitgrad.transforms.Stages;
import bitgrad.transforms.SummaryStage;
import bitgrad.transforms.Task;
import java.io.IOException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The numbers a run leads with, printed as {@code key=value} lines so a terminal user sees the answer. */
public final class Headlines {

    private Headlines() {
    }

    /** Prints the headlines of the summary artifact of {@code plan}. */
    public static void print(Plan plan, ArtifactStore store, PrintStream out) throws IOException {
        for (Task p : plan.tasks(Stages.PROBE.name())) {
            Map<String, Object> info = store.manifest(p.stage(), p.key()).info();
            ColumnTable search = ArrowFiles.read(store.file(p.stage(), p.key(), ProbeStage.SEARCH.file()));
            int best = 0;
            for (int r = 1; r < search.rows(); r++) {
                best = search.getDouble("best_decrease", r) > search.getDouble("best_decrease", best) ? r : best;
            }
            out.printf(Locale.ROOT, "discussion dim=%d lr=%.4g ste_decrease=%.6g nes_max_decrease=%.6g search_best_radius=%s "
                    + "search_best_decrease=%.6g%n", p.param("model.dim").asInt(), ((Number) info.get("lr")).doubleValue(),
                    ((Number) info.get("ste_decrease")).doubleValue(), ((Number) info.get("nes_max_decrease")).doubleValue(),
                    search.rows() == 0 ? "none" : search.get("radius", best), search.rows() == 0 ? Double.NaN
                    : search.getDouble("best_decrease", best));
        }
        for (Task g : plan.tasks(Stages.RESNET_GRAD.name())) {
            Map<String, Object> info = store.manifest(g.stage(), g.key()).info();
            out.printf(Locale.ROOT, "resnet channels=%d binary_weights=%b layer=%d eps=%s cosine=%.4f coords=%s/%s%n",
                    g.param("model.channels").asInt(), g.param("model.binary_weights").asBoolean(), g.param("layer").asInt(),
                    g.param("eps").asText(), ((Number) info.get("cosine")).doubleValue(), info.get("coords"), info.get("coords_total"));
        }
        List<Task> summary = plan.tasks(Stages.SUMMARY.name());
        if (summary.isEmpty()) {
            return;
        }
        String key = summary.get(0).key();
        ColumnTable s = ArrowFiles.read(store.file(Stages.SUMMARY.name(), key, SummaryStage.SUMMARY.file()));
        Map<String, double[]> agg = new LinkedHashMap<>();
        for (int r = 0; r < s.rows(); r++) {
            String k = String.format(Locale.ROOT, "dim=%d activation=%s rows=%d pretrained=%d estimator=%s", s.getLong("dim", r),
                    s.string("activation", r), s.getLong("rows", r), s.getLong("pretrained", r), s.string("estimator", r));
            double[] a = agg.computeIfAbsent(k, x -> new double[3]);
            a[0] += s.getDouble("best_decrease", r);
            a[1] += s.getDouble("best_lr", r);
            a[2] += 1;
        }
        agg.forEach((k, a) -> out.printf(Locale.ROOT, "result %s best_decrease=%.6g best_lr=%.4g repeats=%d%n", k, a[0] / a[2],
                a[1] / a[2], (int) a[2]));
        ColumnTable cos = ArrowFiles.read(store.file(Stages.SUMMARY.name(), key, SummaryStage.COSINE.file()));
        if (plan.loaded().config().model().activation().size() > 1) {
            Map<String, double[]> mm = new LinkedHashMap<>();
            for (int r = 0; r < cos.rows(); r++) {
                Estimator a = Estimators.decode(cos.string("a_spec", r));
                Estimator b = Estimators.decode(cos.string("b_spec", r));
                if (a instanceof SteEstimator && b instanceof CdgEstimator cdg && !cos.string("tensor", r).equals("all")) {
                    String k = String.format(Locale.ROOT, "activation=%s eps=%s layer=%s", cos.string("activation", r),
                            cdg.eps(), cos.string("tensor", r).replace("layer", "").replace(".weight", ""));
                    double[] acc = mm.computeIfAbsent(k, x -> new double[2]);
                    acc[0] += cos.getDouble("cosine", r);
                    acc[1]++;
                }
            }
            mm.forEach((k, v) -> out.printf(Locale.ROOT, "mismatch %s cosine=%.4f%n", k, v[0] / v[1]));
        }
        ColumnTable ros = ArrowFiles.read(store.file(Stages.SUMMARY.name(), key, SummaryStage.ROSENBROCK.file()));
        for (int r = 0; r < ros.rows(); r++) {
            out.printf(Locale.ROOT, "rosenbrock start=%d estimator=%s final_f=%.6g distance_to_min=%.6g mean_cosine=%.6f%n",
                    ros.getLong("start", r), ros.string("estimator", r), ros.getDouble("final_f", r),
                    ros.getDouble("distance_to_min", r), ros.get("mean_cosine", r) == null ? Double.NaN : ros.getDouble("mean_cosine", r));
        }
    }
}
