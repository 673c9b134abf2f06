package bitgrad.models.objectives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import bitgrad.models.Nd;
import bitgrad.models.nets.Forward;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import java.util.List;

/**
 * The Rosenbrock function {@code f(x) = sum_i [100 (x_{2i-1}^2 - x_{2i})^2 + (x_{2i-1} - 1)^2]}
 * over an even number N of coordinates, a smooth full-precision check for CDG and NES
 * (science.md §5.5). Its minimum is 0 at all-ones.
 */
public final class RosenbrockObjective implements Objective {

    private final ParamSet point;
    private final int n;

    /** The objective at {@code x} (N even, N >= 2). */
    public RosenbrockObjective(float[] x) {
        if (x.length < 2 || x.length % 2 != 0) {
            throw new IllegalArgumentException("Rosenbrock needs an even number of coordinates >= 2, got " + x.length);
        }
        this.n = x.length;
        this.point = new ParamSet(List.of(new HostTensor("x", new long[] {n}, x.clone())));
    }

    /** f at {@code x}, in double precision. */
    public static double value(float[] x) {
        return value(widen(x));
    }

    /** f at {@code x}. */
    public static double value(double[] x) {
        double f = 0;
        for (int i = 0; i + 1 < x.length; i += 2) {
            double a = x[i];
            double b = x[i + 1];
            f += 100 * (a * a - b) * (a * a - b) + (a - 1) * (a - 1);
        }
        return f;
    }

    /** The analytic gradient of f at {@code x}, rounded to float. */
    public static float[] gradient(float[] x) {
        double[] g = gradient(widen(x));
        float[] r = new float[g.length];
        for (int i = 0; i < g.length; i++) {
            r[i] = (float) g[i];
        }
        return r;
    }

    /** The analytic gradient of f at {@code x}. */
    public static double[] gradient(double[] x) {
        double[] g = new double[x.length];
        for (int i = 0; i + 1 < x.length; i += 2) {
            double a = x[i];
            double b = x[i + 1];
            g[i] = 400 * a * (a * a - b) + 2 * (a - 1);
            g[i + 1] = -200 * (a * a - b);
        }
        return g;
    }

    private static double[] widen(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /** f of each row of {@code x (C, N)}: shape {@code (C)}. */
    private NDArray f(NDArray x) {
        NDArray pairs = x.reshape(x.getShape().get(0), n / 2, 2);
        NDArray a = pairs.get(new NDIndex(":, :, 0"));
        NDArray b = pairs.get(new NDIndex(":, :, 1"));
        NDArray r = a.square().sub(b);
        return Nd.mul(r.square(), 100).add(a.sub(1).square()).sum(new int[] {1});
    }

    @Override
    public ParamSet point() {
        return point;
    }

    @Override
    public int slices() {
        return 1;
    }

    @Override
    public NDArray sliceLoss(NDList params, int slice, Forward mode) {
        return f(params.get(0).reshape(1, n)).sum();
    }

    @Override
    public float[] lossBatch(NDList stacked) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return f(stacked.get(0)).toFloatArray();
        }
    }

    @Override
    public float[] lossCoordinates(NDList params, int tensor, int[] coords, float[] deltas) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            return Objective.coordinatesByCopies(this, params, tensor, coords, deltas);
        }
    }

    @Override
    public int copiesPerChunk() {
        return (int) Math.max(1, TeacherStudentObjective.CHUNK_FLOATS / n);
    }

    @Override
    public double forwardFlops() {
        return 6.0 * n;
    }

    @Override
    public double perturbedFlops(int tensor) {
        return forwardFlops();
    }

    @Override
    public void close() {
        // nothing native is cached
    }
}
