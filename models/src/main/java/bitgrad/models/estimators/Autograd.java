package bitgrad.models.estimators;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.GradientCollector;
import bitgrad.models.Nd;
import bitgrad.models.nets.Forward;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;

/**
 * Autograd gradients of an objective. DJL allows one {@link GradientCollector} per JVM at a
 * time, so every autograd section in bitgrad runs under this class's JVM-wide lock; concurrent
 * callers (Beam DoFn threads) simply take turns.
 */
public final class Autograd {

    private static final ReentrantLock LOCK = new ReentrantLock(true);

    private Autograd() {
    }

    /**
     * The gradient of the objective's loss at its point, summing the slices, slice {@code s}
     * evaluated with forward mode {@code modeForSlice.apply(s)}.
     */
    public static ParamSet gradient(Objective objective, IntFunction<Forward> modeForSlice) {
        ParamSet point = objective.point();
        double[][] acc = new double[point.count()][];
        for (int t = 0; t < point.count(); t++) {
            acc[t] = new double[point.get(t).size()];
        }
        for (int s = 0; s < objective.slices(); s++) {
            final int slice = s;
            float[][] g = gradientOf(point, p -> objective.sliceLoss(p, slice, modeForSlice.apply(slice)));
            for (int t = 0; t < acc.length; t++) {
                for (int i = 0; i < acc[t].length; i++) {
                    acc[t][i] += g[t][i];
                }
            }
        }
        return point.map(t -> toFloat(acc[t]));
    }

    /**
     * The mean over {@code samples} draws j of {@link #gradient}, draw j evaluating slice s with
     * {@code modes.apply(j).apply(s)}: how the stochastic estimators average.
     */
    public static ParamSet averageGradient(Objective objective, int samples, IntFunction<IntFunction<Forward>> modes) {
        ParamSet point = objective.point();
        double[][] acc = new double[point.count()][];
        for (int t = 0; t < point.count(); t++) {
            acc[t] = new double[point.get(t).size()];
        }
        for (int j = 0; j < samples; j++) {
            ParamSet g = gradient(objective, modes.apply(j));
            for (int t = 0; t < acc.length; t++) {
                float[] d = g.get(t).data();
                for (int i = 0; i < d.length; i++) {
                    acc[t][i] += d[i] / (double) samples;
                }
            }
        }
        return point.map(t -> toFloat(acc[t]));
    }

    /** Loss as a function of parameter arrays. */
    @FunctionalInterface
    public interface LossFn {
        /** A scalar loss built from {@code params}. */
        NDArray apply(NDList params);
    }

    /** Gradient of {@code loss} at {@code point}, one array per tensor, under the JVM-wide lock. */
    public static float[][] gradientOf(ParamSet point, LossFn loss) {
        return valueAndGradient(point, loss).gradient();
    }

    /**
     * The loss value and its gradient.
     *
     * @param value the loss at the point
     * @param gradient one array per parameter tensor
     */
    public record ValueAndGradient(float value, float[][] gradient) {
    }

    /** Loss value and gradient at {@code point}, under the JVM-wide lock. */
    public static ValueAndGradient valueAndGradient(ParamSet point, LossFn loss) {
        LOCK.lock();
        try (NDManager m = NDManager.newBaseManager();
                NDScope scope = new NDScope();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            scope.suppressNotUsedWarning();
            NDList params = Nd.toNd(m, point);
            for (NDArray p : params) {
                p.setRequiresGradient(true);
            }
            NDArray l = loss.apply(params);
            gc.backward(l);
            float[][] out = new float[params.size()][];
            for (int t = 0; t < params.size(); t++) {
                out[t] = params.get(t).getGradient().toFloatArray();
            }
            return new ValueAndGradient(l.getFloat(), out);
        } finally {
            LOCK.unlock();
        }
    }

    static float[] toFloat(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) v[i];
        }
        return out;
    }
}
