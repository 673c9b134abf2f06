package bitgrad.models.measure;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import bitgrad.models.HostRandom;
import bitgrad.models.Nd;
import bitgrad.models.Seeds;
import bitgrad.models.nets.Forward;
import bitgrad.models.nets.StochasticRounding;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The discussion probes of science.md §6: how good is the best of many random directions (the
 * NES "max point"), is there a steeper direction near STE's, and how does an sr-STE update look
 * when measured with the stochastic forward pass instead of the deterministic sign.
 */
public final class Probes {

    private Probes() {
    }

    /** A random direction, normalised like the estimates (per tensor), drawn from {@code seed}. */
    public static ParamSet randomDirection(ParamSet like, long seed) {
        ParamSet raw = like.map(t -> HostRandom.gaussian(Seeds.derive(seed, t), like.get(t).size()));
        return Gradients.normalize(raw, Gradients.Norm.PER_TENSOR);
    }

    /** {@code normalize(a + r * b)} per tensor, for a and b already normalised per tensor. */
    public static ParamSet blend(ParamSet a, ParamSet b, double r) {
        ParamSet sum = a.map(t -> {
            float[] x = a.get(t).data();
            float[] y = b.get(t).data();
            float[] out = new float[x.length];
            for (int i = 0; i < x.length; i++) {
                out[i] = (float) (x[i] + r * y[i]);
            }
            return out;
        });
        return Gradients.normalize(sum, Gradients.Norm.PER_TENSOR);
    }

    /** {@code L(w) - L(w - lr d)} for every direction d, evaluated as stacked copies in chunks. */
    public static float[] decreases(Objective o, List<ParamSet> directions, float lr) {
        float base = o.loss();
        float[] out = new float[directions.size()];
        int chunk = Math.max(1, o.copiesPerChunk());
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList w = Nd.toNd(m, o.point());
            for (int c0 = 0; c0 < directions.size(); c0 += chunk) {
                int k = Math.min(chunk, directions.size() - c0);
                try (NDScope chunkScope = new NDScope()) {
                    chunkScope.suppressNotUsedWarning();
                    NDList stacked = new NDList(w.size());
                    for (int t = 0; t < w.size(); t++) {
                        NDList copies = new NDList(k);
                        for (int i = 0; i < k; i++) {
                            copies.add(Nd.toNd(m, directions.get(c0 + i).get(t)));
                        }
                        NDArray d = ai.djl.ndarray.NDArrays.stack(copies);
                        stacked.add(w.get(t).expandDims(0).sub(Nd.mul(d, lr)));
                    }
                    float[] l = o.lossBatch(stacked);
                    for (int i = 0; i < k; i++) {
                        out[c0 + i] = base - l[i];
                    }
                }
            }
        }
        return out;
    }

    /**
     * The loss at {@code w - lr d} under sr-STE's stochastic forward pass, averaged over
     * {@code samples} draws (draw j of slice s from {@code derive(seed, j, s)}).
     */
    public static float stochasticLoss(Objective o, ParamSet point, double tau, int samples, long seed) {
        double acc = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int j = 0; j < samples; j++) {
                for (int s = 0; s < o.slices(); s++) {
                    try (NDScope scope = new NDScope()) {
                        scope.suppressNotUsedWarning();
                        Forward f = new Forward.Stochastic(new StochasticRounding(tau, StochasticRounding.Backward.RELAXED,
                                Seeds.derive(seed, j, s)));
                        acc += o.sliceLoss(Nd.toNd(m, point), s, f).getFloat() / samples;
                    }
                }
            }
        }
        return (float) acc;
    }

    /** {@code w - lr d}. */
    public static ParamSet step(ParamSet w, ParamSet d, double lr) {
        return w.map(t -> {
            float[] x = w.get(t).data().clone();
            float[] g = d.get(t).data();
            for (int i = 0; i < x.length; i++) {
                x[i] -= (float) (lr * g[i]);
            }
            return x;
        });
    }

    /**
     * Direction {@code k} of the NES estimate drawn from {@code seed} (unnormalised, the very
     * {@code u_k} the estimate evaluated at {@code w +- sigma u_k}), shaped like {@code like}.
     */
    public static ParamSet nesDirection(ParamSet like, long seed, int k) {
        float[] u = new float[Math.toIntExact(like.numel())];
        bitgrad.models.estimators.NesEstimator.direction(seed, k, u, 0, u.length);
        int[] off = {0};
        return like.map(t -> {
            float[] part = java.util.Arrays.copyOfRange(u, off[0], off[0] + like.get(t).size());
            off[0] += part.length;
            return part;
        });
    }

    /** {@code -d}. */
    public static ParamSet negate(ParamSet d) {
        return d.map(t -> negate(d.get(t).data()));
    }

    private static float[] negate(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = -v[i];
        }
        return out;
    }
}
