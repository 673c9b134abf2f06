package bitgrad.transforms;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Stage {@code summary}: the run's result tables gathered from every lr-sweep and rosenbrock
 * task: {@code summary.arrow} (best decrease per dim, init, batch, estimator), {@code cosine.arrow}
 * and {@code rosenbrock.arrow}. Inputs {@code sweeps, rosenbrock}; parameters {@code sweep_meta,
 * rosenbrock_meta} (one object per input, in order).
 */
public final class Summarize extends StageTransform {

    /** Stage name. */
    public static final String NAME = "summary";

    public Summarize(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new SummarizeFn(store, force);
    }

    static final class SummarizeFn extends StageFn {
        SummarizeFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            ColumnTable summary = new ColumnTable("summary", "dim", ColumnType.LONG, "activation", ColumnType.STRING, "rows",
                    ColumnType.LONG, "init", ColumnType.LONG, "batch", ColumnType.LONG, "pretrained", ColumnType.LONG, "estimator", ColumnType.STRING, "base_loss", ColumnType.DOUBLE,
                    "best_decrease", ColumnType.DOUBLE, "best_lr", ColumnType.DOUBLE, "nominal_flops", ColumnType.DOUBLE);
            ColumnTable cosine = new ColumnTable("summary_cosine", "dim", ColumnType.LONG, "activation", ColumnType.STRING, "rows",
                    ColumnType.LONG, "init", ColumnType.LONG, "batch", ColumnType.LONG, "pretrained", ColumnType.LONG, "a", ColumnType.STRING, "b", ColumnType.STRING, "tensor", ColumnType.STRING, "cosine",
                    ColumnType.DOUBLE);
            List<TaskRef> sweeps = task.inputList("sweeps");
            for (int i = 0; i < sweeps.size(); i++) {
                JsonNode m = task.param("sweep_meta").get(i);
                ColumnTable best = read(sweeps.get(i), "best.arrow");
                for (int r = 0; r < best.rows(); r++) {
                    summary.add(m.get("dim").asLong(), m.get("activation").asText(), m.get("rows").asLong(), m.get("init").asLong(), m.get("batch").asLong(),
                            m.get("pretrained").asBoolean() ? 1L : 0L, best.string("estimator", r), best.get("base_loss", r),
                            best.get("best_decrease", r), best.get("best_lr", r), best.get("nominal_flops", r));
                }
                ColumnTable cos = read(sweeps.get(i), "cosine.arrow");
                for (int r = 0; r < cos.rows(); r++) {
                    cosine.add(m.get("dim").asLong(), m.get("activation").asText(), m.get("rows").asLong(), m.get("init").asLong(),
                            m.get("batch").asLong(), m.get("pretrained").asBoolean() ? 1L : 0L, cos.string("a", r),
                            cos.string("b", r), cos.string("tensor", r), cos.get("cosine", r));
                }
            }
            ColumnTable ros = new ColumnTable("summary_rosenbrock", "start", ColumnType.LONG, "estimator", ColumnType.STRING,
                    "final_f", ColumnType.DOUBLE, "distance_to_min", ColumnType.DOUBLE, "mean_cosine", ColumnType.DOUBLE);
            List<TaskRef> rs = task.inputList("rosenbrock");
            for (int i = 0; i < rs.size(); i++) {
                JsonNode m = task.param("rosenbrock_meta").get(i);
                ColumnTable path = read(rs.get(i), "trajectory.arrow");
                double cos = 0;
                int n = 0;
                for (int r = 0; r < path.rows(); r++) {
                    if (path.get("cosine", r) != null) {
                        cos += path.getDouble("cosine", r);
                        n++;
                    }
                }
                int last = path.rows() - 1;
                ros.add(m.get("start").asLong(), m.get("estimator").asText(), path.getDouble("f", last),
                        path.getDouble("distance", last), n == 0 ? null : cos / n);
            }
            ArrowFiles.write(out.file("summary.arrow"), summary);
            ArrowFiles.write(out.file("cosine.arrow"), cosine);
            ArrowFiles.write(out.file("rosenbrock.arrow"), ros);
            return summary.rows() + " estimates, " + ros.rows() + " rosenbrock runs";
        }
    }
}
