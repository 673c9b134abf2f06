package bitgrad.models.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.HostRandom;
import bitgrad.models.Nd;
import java.util.Arrays;

/**
 * Measures this machine's float32 matmul rate through the same engine the estimators use, so
 * a benchmark can print its throughput next to it: the ratio is meaningful on a noisy machine.
 */
public final class MatmulRate {

    private MatmulRate() {
    }

    /** Median GFLOP/s of {@code reps} square {@code n x n} matmuls after two warm-up runs. */
    public static double gflops(int n, int reps) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = Nd.create(m, HostRandom.gaussian(1, n * n), new Shape(n, n));
            NDArray b = Nd.create(m, HostRandom.gaussian(2, n * n), new Shape(n, n));
            double[] rates = new double[reps];
            for (int i = -2; i < reps; i++) {
                long t0 = System.nanoTime();
                NDArray c = a.matMul(b);
                c.getFloat(0, 0);
                long t1 = System.nanoTime();
                c.close();
                if (i >= 0) {
                    rates[i] = 2.0 * n * n * n / (t1 - t0);
                }
            }
            Arrays.sort(rates);
            return rates[reps / 2];
        }
    }

    /** The default probe: 1024 x 1024, median of 9. */
    public static double gflops() {
        return gflops(1024, 9);
    }
}
