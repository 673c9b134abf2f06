package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.measure.RosenbrockDescent;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.List;
import java.util.Locale;

/**
 * Stage {@code rosenbrock}: descent on the N-dimensional Rosenbrock function from a random
 * integer start with one estimator: f, distance to all-ones and cosine with the analytic gradient
 * per step.
 */
public final class RosenbrockStage extends Stage<RosenbrockStage.Params> {

    /**
     * @param n dimension (even)
     * @param start index of the start (0 .. starts-1)
     * @param startSeed seed of the integer start in [-10, 10]
     * @param estimator the gradient estimator
     * @param optimizer sgd or adam
     * @param steps descent steps
     * @param lr initial learning rate
     * @param decay lr factor every {@code decayEvery} steps
     * @param decayEvery steps between decays
     * @param seed seed of the estimator's draws
     */
    public record Params(int n, int start, long startSeed, Estimator estimator, String optimizer, int steps, double lr, double decay,
            int decayEvery, long seed) {
    }

    /** The descent path. */
    public static final Output TRAJECTORY = new Output("trajectory.arrow", Tables.ROSENBROCK_PATH);

    /** Version 2: seeds derive from the estimator's structured identity (was its label). */
    public RosenbrockStage() {
        super("rosenbrock", 2, Params.class, TRAJECTORY);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        RosenbrockDescent d = new RosenbrockDescent(p.optimizer(), p.steps(), p.lr(), p.decay(), p.decayEvery());
        float[] start = RosenbrockDescent.integerStart(p.startSeed(), p.n());
        RosenbrockDescent.Path path = d.run(p.estimator(), start, p.seed());
        ColumnTable t = Tables.ROSENBROCK_PATH.empty();
        for (int i = 0; i < path.f().length; i++) {
            t.add((long) i, path.f()[i], path.distance()[i], path.cosine()[i]);
        }
        t.add((long) path.f().length, path.finalF(), path.finalDistance(), null);
        c.write(TRAJECTORY, t);
        c.info("final_f", path.finalF());
        c.info("distance_to_min", path.finalDistance());
        return String.format(Locale.ROOT, "%s final_f=%.3g", p.estimator().label(), path.finalF());
    }
}
