package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.measure.RosenbrockDescent;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code rosenbrock}: descent on the N-dimensional Rosenbrock function from a random
 * integer start with one estimator, {@code trajectory.arrow} (step, f, distance to all-ones,
 * cosine with the analytic gradient). Parameters {@code n, start_seed, estimator, optimizer,
 * steps, lr, decay, decay_every, seed}.
 */
public final class RosenbrockStage extends StageTransform {

    /** Stage name. */
    public static final String NAME = "rosenbrock";

    public RosenbrockStage(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new RosenbrockFn(store, force);
    }

    static final class RosenbrockFn extends StageFn {
        RosenbrockFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            Estimator e = Specs.estimator(task.param("estimator"));
            RosenbrockDescent d = new RosenbrockDescent(task.param("optimizer").asText(), task.param("steps").asInt(),
                    task.param("lr").asDouble(), task.param("decay").asDouble(), task.param("decay_every").asInt());
            float[] start = RosenbrockDescent.integerStart(task.param("start_seed").asLong(), task.param("n").asInt());
            RosenbrockDescent.Path p = d.run(e, start, task.param("seed").asLong());
            ColumnTable t = new ColumnTable("rosenbrock_path", "step", ColumnType.LONG, "f", ColumnType.DOUBLE, "distance",
                    ColumnType.DOUBLE, "cosine", ColumnType.DOUBLE);
            for (int i = 0; i < p.f().length; i++) {
                t.add(i, p.f()[i], p.distance()[i], p.cosine()[i]);
            }
            t.add(p.f().length, p.finalF(), p.finalDistance(), null);
            ArrowFiles.write(out.file("trajectory.arrow"), t);
            info.put("final_f", p.finalF());
            info.put("distance_to_min", p.finalDistance());
            return String.format(Locale.ROOT, "%s final_f=%.3g", e.label(), p.finalF());
        }
    }
}
