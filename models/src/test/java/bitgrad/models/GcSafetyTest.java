package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.Objective;
import bitgrad.models.objectives.RosenbrockObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Autograd must never read memory the Java garbage collector can free: gradients computed while
 * another thread forces collections stay bit-identical to the reference (see {@link Nd}).
 */
class GcSafetyTest {

    private record Case(String name, Supplier<Objective> objective, Estimator estimator) {
    }

    @Test
    void gradientsAreIdenticalUnderGarbageCollectionPressure() throws Exception {
        List<Case> cases = List.of(
                new Case("sr-ste relaxed", () -> toy("sign").objective(GaussianBatch.of(1, 2048, 8)),
                        new SrSteEstimator(0.5, 2, StochasticRounding.Backward.RELAXED)),
                new Case("ste multi-slice", () -> toy("approxsign").objective(new GaussianBatch(2, 1000, 8, 256)),
                        new SteEstimator()),
                new Case("ste swishsign", () -> toy("swishsign").objective(GaussianBatch.of(3, 1024, 8)), new SteEstimator()),
                new Case("rosenbrock", () -> new RosenbrockObjective(HostRandom.uniform(4, 100, -3, 3)), new SteEstimator()));
        AtomicBoolean stop = new AtomicBoolean();
        Thread collector = new Thread(() -> {
            while (!stop.get()) {
                System.gc();
                // a collection every millisecond or so, without taking one of the machine's two cores from the estimates
                java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
            }
        });
        collector.setDaemon(true);
        for (Case c : cases) {
            ParamSet reference;
            try (Objective o = c.objective().get()) {
                reference = c.estimator().estimate(o, 7);
            }
            if (!collector.isAlive()) {
                collector.start();
            }
            for (int rep = 0; rep < 5; rep++) {
                try (Objective o = c.objective().get()) {
                    assertTrue(reference.contentEquals(c.estimator().estimate(o, 7)), c.name() + " changed under GC, repeat " + rep);
                }
            }
        }
        stop.set(true);
        collector.join();
    }

    private static ToyProblem toy(String activation) {
        return new ToyProblem(new MlpSpec(8, 3, Quantizer.parse(activation), false), 3);
    }
}
