package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.measure.RosenbrockDescent;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.Locale;

/**
 * Stage {@code rosenbrock}: a float64 descent on the N-dimensional Rosenbrock function from a
 * random integer start with one estimator, its eps (or sigma) decaying with the lr down to a
 * floor: f, distance to all-ones, cosine with the analytic gradient and the perturbation per
 * recorded step.
 */
public final class RosenbrockStage extends Stage<RosenbrockStage.Params> {

    /**
     * @param n dimension (even)
     * @param start index of the start (0 .. starts-1)
     * @param startSeed seed of the integer start in [-10, 10]
     * @param estimator the gradient estimator (cdg or antithetic nes)
     * @param optimizer adam, sgd or normalized
     * @param steps descent steps
     * @param lr initial learning rate
     * @param decay lr (and eps/sigma) factor every {@code decayEvery} steps
     * @param decayEvery steps between decays
     * @param perturbationFloor smallest eps or sigma
     * @param seed seed of the estimator's draws
     */
    public record Params(int n, int start, long startSeed, Estimator estimator, String optimizer, int steps, double lr, double decay,
            int decayEvery, double perturbationFloor, long seed) {
    }

    /** The descent path. */
    public static final Output TRAJECTORY = new Output("trajectory.arrow", Tables.ROSENBROCK_PATH);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public RosenbrockStage() {
        super("rosenbrock", 3, Params.class, TRAJECTORY);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        RosenbrockDescent d = new RosenbrockDescent(p.optimizer(), p.steps(), p.lr(), p.decay(), p.decayEvery(), p.perturbationFloor());
        RosenbrockDescent.Path path = d.run(p.estimator(), RosenbrockDescent.integerStart(p.startSeed(), p.n()), p.seed());
        ColumnTable t = Tables.ROSENBROCK_PATH.empty();
        for (int i = 0; i < path.f().length; i++) {
            t.add(path.step()[i], path.f()[i], path.distance()[i], path.cosine()[i], path.size()[i]);
        }
        t.add((long) p.steps(), path.finalF(), path.finalDistance(), null, null);
        c.write(TRAJECTORY, t);
        c.info("final_f", path.finalF());
        c.info("distance_to_min", path.finalDistance());
        return String.format(Locale.ROOT, "%s %s final_f=%.3g", p.estimator().label(), p.optimizer(), path.finalF());
    }
}
