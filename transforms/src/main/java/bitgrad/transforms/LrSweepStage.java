package bitgrad.transforms;

import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
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
 * Stage {@code lr-sweep}: for every estimate of one (model, batch), the loss-decrease curve over
 * the lr grid measured with the exact (vanilla sign) forward pass, the best decrease and lr, and
 * the cosine between every pair of estimators per tensor and overall. This is also the
 * post-update evaluation of sr-STE: its update is always measured with the deterministic sign.
 * Files {@code curves.arrow}, {@code best.arrow}, {@code cosine.arrow}. Inputs {@code model, init,
 * data, estimates}; parameters {@code model, labels, lr_start, lr_step, lr_count, normalize}.
 */
public final class LrSweepStage extends StageTransform {

    /** Stage name. */
    public static final String NAME = "lr-sweep";

    public LrSweepStage(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new LrSweepFn(store, force);
    }

    /** Empty table of the best-decrease rows. */
    public static ColumnTable bestTable() {
        return new ColumnTable("lr_best", "estimator", ColumnType.STRING, "base_loss", ColumnType.DOUBLE, "best_decrease",
                ColumnType.DOUBLE, "best_lr", ColumnType.DOUBLE, "nominal_flops", ColumnType.DOUBLE);
    }

    /** Empty table of the cosine rows. */
    public static ColumnTable cosineTable() {
        return new ColumnTable("cosine", "a", ColumnType.STRING, "b", ColumnType.STRING, "tensor", ColumnType.STRING, "cosine",
                ColumnType.DOUBLE);
    }

    static final class LrSweepFn extends StageFn {
        LrSweepFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            List<TaskRef> refs = task.inputList("estimates");
            List<String> labels = new ArrayList<>();
            task.param("labels").forEach(n -> labels.add(n.asText()));
            float[] lrs = LrSweep.grid(task.param("lr_start").asDouble(), task.param("lr_step").asDouble(),
                    task.param("lr_count").asInt());
            Gradients.Norm norm = Gradients.Norm.valueOf(task.param("normalize").asText().toUpperCase(Locale.ROOT));
            ColumnTable curves = new ColumnTable("lr_curve", "estimator", ColumnType.STRING, "lr", ColumnType.DOUBLE, "loss",
                    ColumnType.DOUBLE, "decrease", ColumnType.DOUBLE);
            ColumnTable best = bestTable();
            ColumnTable cosine = cosineTable();
            List<ParamSet> grads = new ArrayList<>();
            try (ArrowBatch data = Estimate.data(this, task); TeacherStudentObjective o = Estimate.objective(this, task, data)) {
                for (int i = 0; i < refs.size(); i++) {
                    ParamSet g = readParams(refs.get(i), "gradient.arrow");
                    grads.add(g);
                    LrSweep.Result r = LrSweep.sweep(o, Gradients.normalize(g, norm), lrs);
                    float[] d = r.decrease();
                    for (int k = 0; k < lrs.length; k++) {
                        curves.add(labels.get(i), (double) lrs[k], (double) r.losses()[k], (double) d[k]);
                    }
                    Map<String, Object> est = store().manifest(refs.get(i).stage(), refs.get(i).key()).info();
                    best.add(labels.get(i), (double) r.baseLoss(), (double) r.bestDecrease(), (double) r.bestLr(),
                            ((Number) est.get("nominal_flops")).doubleValue());
                }
            }
            for (int i = 0; i < grads.size(); i++) {
                for (int j = i + 1; j < grads.size(); j++) {
                    double[] per = Gradients.cosinePerTensor(grads.get(i), grads.get(j));
                    for (int t = 0; t < per.length; t++) {
                        cosine.add(labels.get(i), labels.get(j), grads.get(i).get(t).name(), per[t]);
                    }
                    cosine.add(labels.get(i), labels.get(j), "all", Gradients.cosine(grads.get(i), grads.get(j)));
                }
            }
            ArrowFiles.write(out.file("curves.arrow"), curves);
            ArrowFiles.write(out.file("best.arrow"), best);
            ArrowFiles.write(out.file("cosine.arrow"), cosine);
            return refs.size() + " estimators dim=" + task.param("model.dim").asInt();
        }
    }
}
