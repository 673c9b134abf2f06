package bitgrad.models.estimators;

import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import bitgrad.models.Nd;
import bitgrad.models.objectives.Objective;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ParamSet;

/**
 * CDG, the coordinate discrete gradient: {@code g_i = (L(w + eps e_i) - L(w - eps e_i)) / (2 eps)}
 * for every coordinate, on the same data (science.md §3). Coordinates go to the objective in
 * chunks: each chunk is one batched evaluation of many perturbed copies (both signs together).
 *
 * @param eps the finite-difference step, > 0
 */
public record CdgEstimator(double eps, Method method) implements Estimator {

    /** How the perturbed losses are computed; both give the same estimate up to float rounding. */
    public enum Method {
        /**
         * Propagate only what a perturbation changes (the toy MLP; other objectives fall back to
         * {@link #DENSE}): the default.
         */
        DELTA,
        /** Evaluate every perturbed copy in full, batched: the reference. */
        DENSE;

        /** The config word. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The method named by a config word. */
        public static Method parse(String word) {
            for (Method m : values()) {
                if (m.key().equalsIgnoreCase(word)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("CDG method must be delta or dense, got '" + word + "'");
        }
    }

    public CdgEstimator {
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("CDG eps must be a positive number, got " + eps);
        }
        if (method == null) {
            throw new IllegalArgumentException("CDG needs a method (delta or dense)");
        }
    }

    /** CDG with the default method, delta propagation. */
    public CdgEstimator(double eps) {
        this(eps, Method.DELTA);
    }

    @Override
    public String family() {
        return "cdg";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family()).put("eps", eps).put("method", method.key());
    }

    @Override
    public Double perturbationNorm(long numel) {
        return eps;
    }

    @Override
    public String label() {
        return "cdg(eps=" + eps + (method == Method.DENSE ? ",dense" : "") + ")";
    }

    /**
     * An estimate with its level crossings.
     *
     * @param gradient the estimate
     * @param crossings per tensor, the mean number of rows whose perturbed unit changes its
     *     activation level, per coordinate and sign (null for tensors no quantizer follows, and for
     *     every tensor when the dense method ran)
     */
    public record Counted(ParamSet gradient, java.util.List<Double> crossings) {
    }

    /** {@link #estimate} with the crossings the delta method sees on the way. */
    public Counted estimateCounted(Objective objective, long seed) {
        if (method == Method.DELTA && objective instanceof TeacherStudentObjective toy) {
            return DeltaCdg.estimateCounted(toy, eps);
        }
        ParamSet g = dense(objective);
        return new Counted(g, java.util.Collections.nCopies(g.count(), null));
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        return estimateCounted(objective, seed).gradient();
    }

    /** Every coordinate's two perturbed copies evaluated in full: the reference method. */
    private ParamSet dense(Objective objective) {
        ParamSet point = objective.point();
        float[][] g = new float[point.count()][];
        int chunk = Math.max(1, objective.copiesPerChunk() / 2);
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList params = Nd.toNd(m, point);
            bitgrad.models.TaskProgress progress = new bitgrad.models.TaskProgress(label(), "coordinates", point.numel());
            long done = 0;
            for (int t = 0; t < point.count(); t++) {
                int n = point.get(t).size();
                g[t] = new float[n];
                for (int c0 = 0; c0 < n; c0 += chunk) {
                    int k = Math.min(chunk, n - c0);
                    int[] coords = new int[2 * k];
                    float[] deltas = new float[2 * k];
                    for (int i = 0; i < k; i++) {
                        coords[i] = c0 + i;
                        coords[k + i] = c0 + i;
                        deltas[i] = (float) eps;
                        deltas[k + i] = (float) -eps;
                    }
                    float[] losses = objective.lossCoordinates(params, t, coords, deltas);
                    for (int i = 0; i < k; i++) {
                        g[t][c0 + i] = (float) (((double) losses[i] - losses[k + i]) / (2 * eps));
                    }
                    done += k;
                    progress.done(done);
                }
            }
        }
        return point.map(t -> g[t]);
    }

    @Override
    public double nominalFlops(Objective objective) {
        ParamSet p = objective.point();
        double f = 0;
        for (int t = 0; t < p.count(); t++) {
            f += 2.0 * p.get(t).size() * objective.perturbedFlops(t);
        }
        return f;
    }
}
