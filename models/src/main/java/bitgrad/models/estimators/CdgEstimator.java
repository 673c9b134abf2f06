package bitgrad.models.estimators;

import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import bitgrad.models.Nd;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;

/**
 * CDG, the coordinate discrete gradient: {@code g_i = (L(w + eps e_i) - L(w - eps e_i)) / (2 eps)}
 * for every coordinate, on the same data (science.md §3). Coordinates go to the objective in
 * chunks: each chunk is one batched evaluation of many perturbed copies (both signs together).
 *
 * @param eps the finite-difference step, > 0
 */
public record CdgEstimator(double eps) implements Estimator {

    public CdgEstimator {
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new IllegalArgumentException("CDG eps must be a positive number, got " + eps);
        }
    }

    @Override
    public String family() {
        return "cdg";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family()).put("eps", eps);
    }

    @Override
    public String label() {
        return "cdg(eps=" + eps + ")";
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        ParamSet point = objective.point();
        float[][] g = new float[point.count()][];
        int chunk = Math.max(1, objective.copiesPerChunk() / 2);
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList params = Nd.toNd(m, point);
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
