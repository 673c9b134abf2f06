package bitgrad.models.measure;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.HostRandom;
import bitgrad.models.Nd;
import bitgrad.models.Seeds;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;

/**
 * Does a step go downhill on the true loss, on the smoothed loss, or on both (science.md §7,
 * question {@code smoothing})? For unit directions {@code d_r} (one per layer restriction) and a
 * step {@code h}: the true change {@code L(w - h d) - L(w)} and the change of the Gaussian-smoothed
 * loss {@code L_s(w) = E_u[L(w + s u)]}, estimated with common random numbers,
 * {@code mean_k [L(w - h d + s u_k) - L(w + s u_k)]} over {@code samples} draws shared by every
 * direction, each used as {@code +u_k} and {@code -u_k} (antithetic pairs), with its standard error
 * over the pairs.
 */
public final class Smoothing {

    /** One direction's changes (negative = downhill) from the loss at the point, {@code baseLoss}. */
    public record Change(double baseLoss, double trueChange, double smoothedChange, double smoothedSe) {
    }

    private Smoothing() {
    }

    /** The changes along each of {@code directions} (each of unit norm over all tensors). */
    public static List<Change> along(Objective o, List<ParamSet> directions, double h, double s, int samples, long seed) {
        ParamSet w = o.point();
        int numel = Math.toIntExact(w.numel());
        float[] flatW = w.flatten();
        List<float[]> steps = new ArrayList<>();
        for (ParamSet d : directions) {
            float[] x = d.flatten();
            for (int i = 0; i < numel; i++) {
                x[i] = (float) (flatW[i] - h * x[i]);
            }
            steps.add(x);
        }
        try (NDManager m = NDManager.newBaseManager()) {
            return along(o, m, w, flatW, steps, s, samples, seed);
        }
    }

    private static List<Change> along(Objective o, NDManager m, ParamSet w, float[] flatW, List<float[]> steps, double s, int samples,
            long seed) {
        int r = steps.size();
        int numel = flatW.length;
        // exact: w and every stepped point, one batch
        float[] exact;
        try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
            scope.suppressNotUsedWarning();
            exact = o.lossBatch(stack(m, w, concat(flatW, steps), r + 1));
        }
        // antithetic: each draw u is used as +u and -u, so the part of the difference linear in u cancels within the pair
        int half = r + 1;
        int perSample = 2 * half;
        int chunk = Math.max(1, o.copiesPerChunk() / perSample);
        int chunks = (samples + chunk - 1) / chunk;
        float[][] noisy = o.lossChunks(chunks, c -> {
            int k0 = c * chunk;
            int k = Math.min(chunk, samples - k0);
            float[] all = new float[k * perSample * numel];
            float[] u = new float[numel];
            for (int j = 0; j < k; j++) {
                HostRandom.gaussian(Seeds.derive(seed, "smoothing", k0 + j), u, 0, numel);
                for (int sign = 0; sign < 2; sign++) {
                    double su = sign == 0 ? s : -s;
                    int base = (j * perSample + sign * half) * numel;
                    for (int i = 0; i < numel; i++) {
                        all[base + i] = (float) (flatW[i] + su * u[i]);
                    }
                    for (int q = 0; q < r; q++) {
                        float[] x = steps.get(q);
                        int off = base + (q + 1) * numel;
                        for (int i = 0; i < numel; i++) {
                            all[off + i] = (float) (x[i] + su * u[i]);
                        }
                    }
                }
            }
            return stack(m, w, all, k * perSample);
        });
        double[] sum = new double[r];
        double[] sq = new double[r];
        for (float[] losses : noisy) {
            for (int j = 0; j < losses.length / perSample; j++) {
                int plus = j * perSample;
                int minus = plus + half;
                for (int q = 0; q < r; q++) {
                    double diff = 0.5 * (((double) losses[plus + q + 1] - losses[plus]) + ((double) losses[minus + q + 1] - losses[minus]));
                    sum[q] += diff;
                    sq[q] += diff * diff;
                }
            }
        }
        List<Change> out = new ArrayList<>();
        for (int q = 0; q < r; q++) {
            double mean = sum[q] / samples;
            double var = samples < 2 ? 0 : Math.max(0, (sq[q] - samples * mean * mean) / (samples - 1));
            out.add(new Change(exact[0], (double) exact[q + 1] - exact[0], mean, Math.sqrt(var / samples)));
        }
        return out;
    }

    private static float[] concat(float[] first, List<float[]> rest) {
        float[] all = new float[first.length * (rest.size() + 1)];
        System.arraycopy(first, 0, all, 0, first.length);
        for (int q = 0; q < rest.size(); q++) {
            System.arraycopy(rest.get(q), 0, all, (q + 1) * first.length, first.length);
        }
        return all;
    }

    /** {@code copies} flat parameter vectors (row-major, each {@code w.numel()} long) as stacked tensors {@code (copies, shape...)}. */
    private static NDList stack(NDManager m, ParamSet w, float[] flat, int copies) {
        int numel = Math.toIntExact(w.numel());
        NDList out = new NDList(w.count());
        int off = 0;
        for (int t = 0; t < w.count(); t++) {
            int n = w.get(t).size();
            long[] shape = w.get(t).shape();
            long[] stacked = new long[shape.length + 1];
            stacked[0] = copies;
            System.arraycopy(shape, 0, stacked, 1, shape.length);
            float[] x = new float[copies * n];
            for (int c = 0; c < copies; c++) {
                System.arraycopy(flat, c * numel + off, x, c * n, n);
            }
            out.add(Nd.create(m, x, new Shape(stacked)));
            off += n;
        }
        return out;
    }
}
