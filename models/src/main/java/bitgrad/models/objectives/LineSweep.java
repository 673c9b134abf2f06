package bitgrad.models.objectives;

import bitgrad.models.nets.MlpSpec;
import bitgrad.models.quant.Quantizer;
import java.util.stream.IntStream;

/**
 * The loss of a full-precision-weight MLP with a piecewise-constant activation at many points
 * {@code w + c v} of one line (an lr sweep: {@code c = -lr}, {@code v} the direction), without a
 * forward pass per point.
 *
 * <p>Along the line, layer 0's pre-activation is {@code x w0^T + c (x v0^T)}, linear in c, and
 * layer {@code l >= 1}'s is {@code P + c Q} with {@code P = h w_l^T}, {@code Q = h v_l^T}, where
 * its input {@code h} is the previous layer's levels: constant between the few coefficients
 * where a level changes. So each row keeps P and Q of every layer and, in coefficient order,
 * jumps from one level change to the next: there it re-levels the changed unit, adds the
 * change times a column of {@code w_l} and {@code v_l} to P and Q of the next layer, and
 * re-levels that layer (all its units in one batch, {@link Quantizer#applyEach}). A
 * pre-activation is linear in c between changes, so its level is monotone in c and its next
 * change is found by bisection over the sorted coefficients, up to the previous layer's next
 * change (there the line moves and the unit is re-levelled). The output {@code P + c Q} then
 * gives every coefficient's squared error.
 *
 * <p>Layer 0's pre-activation is rounded as {@code fl(fl(c b) + a)}, as the per-copy pass rounds
 * it; later layers' sums are rounded in another order than a matmul's, and updated rather than
 * recomputed, so a pre-activation within float rounding of a threshold may land on another level
 * than in the per-copy pass (as for delta CDG); elsewhere the two agree to float rounding.
 */
public final class LineSweep {

    /** Version of the line sweep's numbers (part of the cache keys of the stages that sweep with it). */
    public static final bitgrad.models.Algorithm VERSION = new bitgrad.models.Algorithm("line-sweep", 1);


    /** Rows a task of the parallel scan takes (the per-coefficient sums are added in block order). */
    private static final int BLOCK = 512;

    private final Quantizer q;
    private final int layers;
    private final int[] out;
    private final float[][] wt;
    private final float[][] vt;
    private final float[] c;

    /**
     * @param spec the model (full-precision weights, a quantized activation)
     * @param w every layer's weight, {@code (out_l, in_l)} row-major
     * @param v the direction, same shapes
     * @param sorted the coefficients, ascending
     */
    LineSweep(MlpSpec spec, float[][] w, float[][] v, float[] sorted) {
        this.q = spec.activation();
        this.layers = spec.layers();
        this.out = new int[layers];
        this.wt = new float[layers][];
        this.vt = new float[layers][];
        for (int l = 0; l < layers; l++) {
            long[] shape = spec.weightShape(l);
            out[l] = (int) shape[0];
            wt[l] = transpose(w[l], out[l], (int) shape[1]);
            vt[l] = transpose(v[l], out[l], (int) shape[1]);
        }
        this.c = sorted;
    }

    /** The first (smallest) coefficient, where a scan starts. */
    float first() {
        return c[0];
    }

    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < cols; k++) {
                t[k * rows + r] = m[r * cols + k];
            }
        }
        return t;
    }

    /**
     * Every row's levels and sums at the first coefficient, {@code c_0}: what the scan starts from.
     *
     * @param h {@code h[l]}: layer l's input levels, {@code (rows, in_l)}, for l >= 1
     * @param p {@code p[l]}: {@code h_l w_l^T}, {@code (rows, out_l)}, for l >= 1
     * @param q {@code q[l]}: {@code h_l v_l^T}, same shape
     */
    record Start(float[][] h, float[][] p, float[][] q) {
    }

    /**
     * Sum over rows of {@code (y(c_k) - t)^2} for every coefficient, rows in parallel blocks.
     *
     * @param a0 layer 0's {@code x w0^T}, {@code (rows, out_0)}
     * @param b0 layer 0's {@code x v0^T}, same shape
     * @param start the levels and sums at {@code c_0}, or null to compute them here, on the host
     * @param target the teacher's output per row
     */
    double[] squaredErrors(float[] a0, float[] b0, Start start, float[] target, int rows) {
        int blocks = (rows + BLOCK - 1) / BLOCK;
        double[][] parts = new double[blocks][];
        IntStream.range(0, blocks).parallel().forEach(b -> {
            Row row = new Row();
            double[] acc = new double[c.length];
            for (int r = b * BLOCK; r < Math.min(rows, (b + 1) * BLOCK); r++) {
                row.scan(a0, b0, start, r, target[r], acc);
            }
            parts[b] = acc;
        });
        double[] sum = new double[c.length];
        for (double[] p : parts) {
            for (int k = 0; k < sum.length; k++) {
                sum[k] += p[k];
            }
        }
        return sum;
    }

    /** One row's state, reused across the rows of a block. */
    private final class Row {
        /** {@code h[l]}: layer l's input levels (l >= 1). */
        private final float[][] h = new float[layers][];
        private final float[][] p = new float[layers][];
        private final float[][] qv = new float[layers][];
        /**
         * {@code next[l][j]}: the first coefficient index where hidden unit (l, j)'s level changes, or
         * where layer l's lines next move (the previous layer's next change), whichever comes first.
         */
        private final int[][] next = new int[layers][];
        /** A layer's pre-activations at one coefficient, and their levels: {@link #relevel}'s batches. */
        private final float[] zs;
        private final float[] levels;

        Row() {
            int widest = 1;
            for (int l = 0; l < layers; l++) {
                // layer 0's P and Q are the row's x w0^T and x v0^T
                p[l] = new float[out[l]];
                qv[l] = new float[out[l]];
                widest = Math.max(widest, out[l]);
            }
            for (int l = 1; l < layers; l++) {
                h[l] = new float[out[l - 1]];
            }
            for (int l = 0; l + 1 < layers; l++) {
                next[l] = new int[out[l]];
            }
            zs = new float[widest];
            levels = new float[widest];
        }

        /** Pre-activation of unit j of layer l at coefficient index k. */
        private float pre(int l, int j, int k) {
            return c[k] * qv[l][j] + p[l][j];
        }

        /**
         * The first index after k and before {@code limit} where unit (l, j)'s level differs from
         * {@code level} (its level at k), else {@code limit}: the previous layer's next change, where
         * this unit's line moves and it is re-levelled anyway (n for layer 0, whose lines never move).
         */
        private int nextChange(int l, int j, int k, float level, int limit) {
            checkAhead(l, k, limit);
            int hi = limit - 1;
            if (hi <= k || q.apply(pre(l, j, hi)) == level) {
                return limit;
            }
            return bisect(l, j, k, level, hi);
        }

        private void checkAhead(int l, int k, int limit) {
            if (limit <= k) {
                // the walk would stand still at k: a broken invariant, not bad input
                throw new IllegalStateException("line sweep: layer " + l + " searched up to " + limit + " from " + k);
            }
        }

        /** The first index in {@code (k, hi]} where unit (l, j)'s level differs from {@code level}, given it does at hi. */
        private int bisect(int l, int j, int k, float level, int hi) {
            int lo = k;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (q.apply(pre(l, j, mid)) == level) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return hi;
        }

        /**
         * {@link #nextChange} for every unit of layer l, from its level {@code h[l+1]} at k: all
         * pre-activations at {@code limit - 1} levelled in one batch, and a bisection only for the
         * units whose level differs there (a pre-activation is monotone in c). The same indices as
         * unit by unit.
         */
        private void nextChanges(int l, int k, int limit) {
            checkAhead(l, k, limit);
            int o = out[l];
            int hi = limit - 1;
            if (hi <= k) {
                java.util.Arrays.fill(next[l], limit);
                return;
            }
            float[] hl = h[l + 1];
            levelAll(l, hi);
            for (int j = 0; j < o; j++) {
                next[l][j] = levels[j] == hl[j] ? limit : bisect(l, j, k, hl[j], hi);
            }
        }

        /** {@link #levels}: every unit of layer l levelled at coefficient index k. */
        private void levelAll(int l, int k) {
            int o = out[l];
            float ck = c[k];
            float[] pl = p[l];
            float[] ql = qv[l];
            for (int j = 0; j < o; j++) {
                zs[j] = ck * ql[j] + pl[j];
            }
            q.applyEach(zs, levels, 0, o);
        }

        /**
         * Every unit of layer l at index k, after its lines moved: re-levelled (a change added to layer
         * l+1's P and Q, in unit order) and its next change searched up to limit.
         *
         * @return whether any unit changed level (layer l+1's lines moved)
         */
        private boolean relevel(int l, int k, int limit) {
            levelAll(l, k);
            boolean moved = false;
            for (int j = 0; j < out[l]; j++) {
                moved |= setLevel(l, j, levels[j]);
            }
            nextChanges(l, k, limit);
            return moved;
        }

        /**
         * Unit j of layer l takes {@code level}: if that is a change, layer l+1's P and Q move by it.
         *
         * @return whether the level changed
         */
        private boolean setLevel(int l, int j, float level) {
            float old = h[l + 1][j];
            if (level == old) {
                return false;
            }
            h[l + 1][j] = level;
            add(l + 1, j, level - old);
            return true;
        }

        /** Layer l+1's P and Q from its input levels, from scratch. */
        private void sums(int l) {
            java.util.Arrays.fill(p[l], 0f);
            java.util.Arrays.fill(qv[l], 0f);
            for (int i = 0; i < h[l].length; i++) {
                add(l, i, h[l][i]);
            }
        }

        /** {@code P_l += d w_l[:, i]}, {@code Q_l += d v_l[:, i]}. */
        private void add(int l, int i, float d) {
            int o = out[l];
            float[] pl = p[l];
            float[] ql = qv[l];
            float[] w = wt[l];
            float[] v = vt[l];
            int base = i * o;
            for (int j = 0; j < o; j++) {
                pl[j] += d * w[base + j];
            }
            for (int j = 0; j < o; j++) {
                ql[j] += d * v[base + j];
            }
        }

        /** Where layer l's lines next move: the previous layer's next change (n for layer 0). */
        private int limit(int l) {
            int limit = c.length;
            if (l > 0) {
                for (int v : next[l - 1]) {
                    limit = Math.min(limit, v);
                }
            }
            return limit;
        }

        void scan(float[] a0, float[] b0, Start start, int r, float target, double[] acc) {
            System.arraycopy(a0, r * out[0], p[0], 0, out[0]);
            System.arraycopy(b0, r * out[0], qv[0], 0, out[0]);
            int last = layers - 1;
            for (int l = 0; l < last; l++) {
                if (start != null) {
                    System.arraycopy(start.h()[l + 1], r * out[l], h[l + 1], 0, out[l]);
                    System.arraycopy(start.p()[l + 1], r * out[l + 1], p[l + 1], 0, out[l + 1]);
                    System.arraycopy(start.q()[l + 1], r * out[l + 1], qv[l + 1], 0, out[l + 1]);
                } else {
                    levelAll(l, 0);
                    System.arraycopy(levels, 0, h[l + 1], 0, out[l]);
                    sums(l + 1);
                }
                nextChanges(l, 0, limit(l));
            }
            int from = 0;
            while (true) {
                int k = c.length;
                for (int l = 0; l < last; l++) {
                    for (int n : next[l]) {
                        k = Math.min(k, n);
                    }
                }
                for (int i = from; i < k; i++) {
                    for (int j = 0; j < out[last]; j++) {
                        double e = (double) pre(last, j, i) - target;
                        acc[i] += e * e;
                    }
                }
                if (k == c.length) {
                    return;
                }
                from = k;
                boolean moved = false; // did this layer's P and Q change at k
                for (int l = 0; l < last; l++) {
                    int limit = limit(l);
                    if (moved) {
                        // every unit's line moved: all re-levelled at once
                        moved = relevel(l, k, limit);
                        continue;
                    }
                    for (int j = 0; j < out[l]; j++) {
                        if (next[l][j] == k) {
                            float level = q.apply(pre(l, j, k));
                            moved |= setLevel(l, j, level);
                            next[l][j] = nextChange(l, j, k, level, limit);
                        }
                    }
                }
            }
        }
    }
}
