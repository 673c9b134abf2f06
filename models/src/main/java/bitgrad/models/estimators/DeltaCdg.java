package bitgrad.models.estimators;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import bitgrad.models.Nd;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.quant.Jumps;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * CDG on the toy MLP by delta propagation: the same central differences as the dense method,
 * computed from what a perturbation changes instead of from two full forward passes
 * (science.md §3).
 *
 * <p>Perturbing weight (j, i) of layer l by {@code d} changes only unit j's pre-activation:
 * by {@code d h_i} per row with FP weights, by {@code (a' - a) S_j + a' (s' - s) h_i} with XNOR
 * weights ({@code a} the row scale mean|W_j|, {@code s} the weight's sign, {@code S_j} the row's
 * integer sum). Then:
 * <ul>
 *   <li>through a quantized activation a row's output changes only if the new pre-activation
 *       lands on another level; only rows within {@code |change|} of a threshold can, so they are
 *       found from the distances to the thresholds, and only those rows are carried on, each as a
 *       sparse change of the next layer's units, to the output;</li>
 *   <li>through the identity activation the change stays rank one to the output:
 *       {@code dy = c_j dz_j} with {@code c} the product of the later layers, and the loss change
 *       follows from a few per-slice sums (as it does for the output layer itself);</li>
 *   <li>the loss changes by {@code (1/B) sum_changed [(r + dy)^2 - r^2]}, {@code r = y - t}.</li>
 * </ul>
 * Rows stream in the objective's slices; work is split over threads by output unit (linear
 * layers) or by block of rows (quantized layers); each coordinate's sum has one fixed order, so
 * results do not depend on the thread count.
 * The result equals the dense method's up to float rounding, except where a pre-activation lies
 * within float rounding of a threshold (the two methods round the new pre-activation
 * differently there).
 *
 * <p>Over 400 lines because the linear closed form, the quantized layers' row scan and the carry to later layers all read
 * one slice's host state (levels, residuals, row maxima) and one set of precomputed weights inside the hot loops; they are
 * the sections of this file, in that order.
 */
final class DeltaCdg {

    private final MlpSpec spec;
    private final Quantizer q;
    private final double eps;
    private final int layers;
    private final int[] in;
    private final int[] out;
    /** Raw weights per layer, (out, in) row-major. */
    private final float[][] w;
    /** Effective weights (W, or sign(W) mean|W| per row), transposed: column j of layer l at [j * out_l ..]. */
    private final double[][] weffT;
    /** The factor that multiplies a layer's input (W, or sign(W) for binary weights), transposed like {@link #weffT}. */
    private final double[][] factorT;
    /** Per layer and unit, {@code sum_i |w_ji|} (binary weights: the row scale is this over the fan-in). */
    private final double[][] absSum;
    /** Identity activation: the output's sensitivity to each unit's pre-activation, per layer. */
    private final double[][] c;
    /** Per layer and coordinate, sum over rows of the loss change for +eps (index 2k) and -eps (2k + 1). */
    private final double[][] acc;
    private final double[] thresholds;
    /** The quantizer's exact jump points (null: identity, or not found; rows then take the general path). */
    private final Jumps jumps;
    /** Per hidden quantized layer and unit: rows whose level the perturbation changed, summed over coordinates, signs and slices. */
    private final long[][] crossings;

    private DeltaCdg(MlpSpec spec, ParamSet point, double eps, int rowBlock) {
        this.rowBlock = rowBlock;
        this.spec = spec;
        this.q = spec.activation();
        this.eps = eps;
        this.layers = spec.layers();
        this.in = new int[layers];
        this.out = new int[layers];
        this.w = new float[layers][];
        this.weffT = new double[layers][];
        this.factorT = new double[layers][];
        this.absSum = new double[layers][];
        this.acc = new double[layers][];
        for (int l = 0; l < layers; l++) {
            long[] shape = spec.weightShape(l);
            out[l] = (int) shape[0];
            in[l] = (int) shape[1];
            w[l] = point.get(l).data();
            absSum[l] = new double[out[l]];
            weffT[l] = new double[out[l] * in[l]];
            factorT[l] = new double[out[l] * in[l]];
            for (int j = 0; j < out[l]; j++) {
                double a = 0;
                for (int i = 0; i < in[l]; i++) {
                    a += Math.abs(w[l][j * in[l] + i]);
                }
                absSum[l][j] = a;
                double alpha = (float) (a / in[l]);
                for (int i = 0; i < in[l]; i++) {
                    float v = w[l][j * in[l] + i];
                    weffT[l][i * out[l] + j] = spec.binaryWeights() ? sign(v) * alpha : v;
                    factorT[l][i * out[l] + j] = spec.binaryWeights() ? sign(v) : v;
                }
            }
            acc[l] = new double[2 * out[l] * in[l]];
        }
        this.crossings = new long[layers][];
        for (int l = 0; l < layers; l++) {
            crossings[l] = new long[out[l]];
        }
        this.thresholds = q.thresholds();
        Jumps found = q.fullPrecision() ? null : Jumps.of(q);
        // the one-level shortcut tells sides by subtracting a jump point, and -0 - (+0) is -0: a jump at
        // exactly 0 would put a new value of -0 on the wrong side, so such a quantizer keeps the general
        // path (the sign family, the only one, takes its own path first)
        this.jumps = found != null && found.count(0f) == found.count(Math.nextDown(0f)) ? found : null;
        this.c = new double[layers][];
        c[layers - 1] = new double[] {1};
        for (int l = layers - 2; l >= 0; l--) {
            c[l] = new double[out[l]];
            for (int j = 0; j < out[l]; j++) {
                double s = 0;
                for (int k = 0; k < out[l + 1]; k++) {
                    s += c[l + 1][k] * weffT[l + 1][j * out[l + 1] + k];
                }
                c[l][j] = s;
            }
        }
    }

    /** True when no quantizer follows layer l: the output layer, or any layer with the identity activation. */
    private boolean linear(int l) {
        return l == layers - 1 || q.fullPrecision();
    }

    private static float sign(float v) {
        return v >= 0 ? 1f : -1f;
    }

    /**
     * The CDG estimate of {@code o} at its point with step {@code eps}, with the mean number of
     * level crossings per coordinate and sign of each tensor (null where no quantizer follows).
     */
    static CdgEstimator.Counted estimateCounted(TeacherStudentObjective o, double eps) {
        return estimateCounted(o, eps, ROW_BLOCK);
    }

    /** The same with {@code rowBlock} rows per block (results do not depend on it beyond float rounding). */
    static CdgEstimator.Counted estimateCounted(TeacherStudentObjective o, double eps, int rowBlock) {
        DeltaCdg d = new DeltaCdg(o.spec(), o.point(), eps, rowBlock);
        try (NDManager m = NDManager.newBaseManager()) {
            NDList params = Nd.toNd(m, o.point());
            bitgrad.models.TaskProgress progress = new bitgrad.models.TaskProgress("cdg(eps=" + eps + ")", "slices", o.slices());
            for (int s = 0; s < o.slices(); s++) {
                d.slice(o.pass(params, s));
                progress.done(s + 1);
            }
        }
        double n = o.batch().size();
        ParamSet g = o.point().map(l -> {
            float[] v = new float[d.out[l] * d.in[l]];
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) ((d.acc[l][2 * k] - d.acc[l][2 * k + 1]) / n / (2 * eps));
            }
            return v;
        });
        Double[] perCoordinate = new Double[d.layers];
        for (int l = 0; l < d.layers; l++) {
            if (!d.linear(l)) {
                long total = 0;
                for (long v : d.crossings[l]) {
                    total += v;
                }
                perCoordinate[l] = total / (2.0 * d.out[l] * d.in[l]);
            }
        }
        return new CdgEstimator.Counted(g, java.util.Arrays.asList(perCoordinate));
    }

    /** One slice's host state: activations and residuals. */
    private final class Slice {
        final int rows;
        final float[][] z;
        final float[][] a;
        final double[] r;
        final float[] x;
        /** Binary weights: each layer's sums before the row scale, and the engine's row scales. */
        final float[][] sums;
        final float[][] scale;

        Slice(TeacherStudentObjective.Pass p) {
            rows = p.rows();
            z = p.z();
            x = p.x();
            sums = p.sums();
            scale = p.alpha();
            a = new float[layers - 1][];
            for (int l = 0; l < layers - 1; l++) {
                a[l] = new float[z[l].length];
            }
            r = new double[rows];
            rowMaxAbsH = new double[layers][rows];
            // blocks of rows in parallel: levels, residuals and largest inputs per row, and each
            // block's largest input per index (maxima: the same in any order)
            int block = Math.max(1, rowBlock);
            int blocks = (rows + block - 1) / block;
            double[][][] blockMax = new double[blocks][layers][];
            float[] target = p.target();
            IntStream.range(0, blocks).parallel().forEach(k -> {
                int from = k * block;
                int to = Math.min(rows, from + block);
                for (int l = 0; l < layers - 1; l++) {
                    q.applyEach(z[l], a[l], from * out[l], to * out[l]);
                }
                for (int b = from; b < to; b++) {
                    r[b] = (double) z[layers - 1][b] - target[b];
                }
                for (int l = 0; l < layers; l++) {
                    float[] h = h(l);
                    int n = in[l];
                    double[] max = new double[n];
                    for (int b = from; b < to; b++) {
                        double m = 0;
                        for (int i = 0; i < n; i++) {
                            double v = Math.abs(h[b * n + i]);
                            max[i] = Math.max(max[i], v);
                            m = Math.max(m, v);
                        }
                        rowMaxAbsH[l][b] = m;
                    }
                    blockMax[k][l] = max;
                }
            });
            maxAbsH = new double[layers][];
            for (int l = 0; l < layers; l++) {
                maxAbsH[l] = new double[in[l]];
                for (double[][] part : blockMax) {
                    for (int i = 0; i < in[l]; i++) {
                        maxAbsH[l][i] = Math.max(maxAbsH[l][i], part[l][i]);
                    }
                }
            }
        }

        /** Per layer and input index, the largest |input| over the slice's rows. */
        final double[][] maxAbsH;

        /** Per layer and row, the row's largest |input|. */
        final double[][] rowMaxAbsH;

        /**
         * Linear layers with full-precision weights (the output layer; every layer with the identity
         * activation): per input index i, {@code sum_b r_b h_bi} and {@code sum_b h_bi^2}; null elsewhere.
         */
        double[][] residualDotH;
        double[][] squaresH;

        /** Fills {@link #residualDotH} and {@link #squaresH} for layer l. */
        void linearSums(int l) {
            float[] h = h(l);
            int n = in[l];
            double[] rh = new double[n];
            double[] hh = new double[n];
            for (int b = 0; b < rows; b++) {
                double rb = r[b];
                for (int i = 0; i < n; i++) {
                    double v = h[b * n + i];
                    rh[i] += rb * v;
                    hh[i] += v * v;
                }
            }
            residualDotH[l] = rh;
            squaresH[l] = hh;
        }

        /** Input of layer l, (rows, in_l). */
        float[] h(int l) {
            return l == 0 ? x : a[l - 1];
        }
    }

    private void slice(TeacherStudentObjective.Pass p) {
        Slice s = new Slice(p);
        if (!spec.binaryWeights()) {
            s.residualDotH = new double[layers][];
            s.squaresH = new double[layers][];
            for (int l = 0; l < layers; l++) {
                if (linear(l)) {
                    s.linearSums(l);
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            int layer = l;
            if (linear(l)) {
                IntStream.range(0, out[l]).parallel().forEach(j -> unit(s, layer, j));
            } else {
                quantizedLayer(s, l);
            }
        }
    }

    /** Every coordinate (j, i) of linear layer l (the output layer, or every layer with the identity activation), both signs, on one slice. */
    private void unit(Slice s, int l, int j) {
        int rows = s.rows;
        float[] h = s.h(l);
        boolean binary = spec.binaryWeights();
        double[] sum = null;
        if (binary) {
            sum = new double[rows];
            int o = out[l];
            for (int b = 0; b < rows; b++) {
                sum[b] = s.sums[l][b * o + j];
            }
        }
        linearUnit(s, l, j, h, sum, absSum[l][j]);
    }

    /** The change of unit j's pre-activation in row b when weight (j, i) of layer l moves by d (linear layers). */
    private double dz(Slice s, int l, int j, int i, double d, float[] h, int b, double[] sum, double sumAbs) {
        int n = in[l];
        if (!spec.binaryWeights()) {
            return d * h[b * n + i];
        }
        return newZ(l, j, i, d, h, b, (float) sum[b], sumAbs) - s.z[l][b * out[l] + j];
    }

    /**
     * Unit j's new pre-activation in row b when weight (j, i) of layer l moves by d, with binary
     * weights rounded as the engine rounds it: the exact new sum, times the new row scale.
     */
    private float newZ(int l, int j, int i, double d, float[] h, int b, float sumB, double sumAbs) {
        int n = in[l];
        float v = w[l][j * n + i];
        float v2 = (float) (v + d);
        float a2 = (float) ((sumAbs - Math.abs(v) + Math.abs(v2)) / n);
        float sum2 = sumB + (sign(v2) - sign(v)) * h[b * n + i];
        return sum2 * a2;
    }

    /**
     * Output layer, or identity activations: dy = c_j dz per row, summed in closed form. With
     * full-precision weights dz = d h_bi, so the sum over rows, {@code sum_b dy (2 r_b + dy)}, is
     * {@code 2 c_j d sum_b r_b h_bi + (c_j d)^2 sum_b h_bi^2}: sums over rows shared by every unit
     * of the layer, O(inputs) per unit instead of O(rows x inputs).
     */
    private void linearUnit(Slice s, int l, int j, float[] h, double[] sum, double sumAbs) {
        int n = in[l];
        double cj = c[l][j];
        if (!spec.binaryWeights()) {
            for (int i = 0; i < n; i++) {
                for (int sg = 0; sg < 2; sg++) {
                    double cd = cj * (sg == 0 ? eps : -eps);
                    acc[l][2 * (j * n + i) + sg] += 2 * cd * s.residualDotH[l][i] + cd * cd * s.squaresH[l][i];
                }
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            for (int sg = 0; sg < 2; sg++) {
                double d = sg == 0 ? eps : -eps;
                double total = 0;
                for (int b = 0; b < s.rows; b++) {
                    double dy = cj * dz(s, l, j, i, d, h, b, sum, sumAbs);
                    total += dy * (2 * s.r[b] + dy);
                }
                acc[l][2 * (j * n + i) + sg] += total;
            }
        }
    }

    /** Distance from v to the nearest threshold of the quantizer. */
    private double distance(double v) {
        double best = Double.POSITIVE_INFINITY;
        for (double t : thresholds) {
            best = Math.min(best, Math.abs(v - t));
        }
        return best;
    }

    /**
     * Rows per block of a quantized layer: every unit of the layer scans a block of rows while its
     * inputs and pre-activations are in cache (1 000 000 rows per unit streamed them from memory
     * once per unit); also the blocks a slice's host state is built in, in parallel. Results do not
     * depend on it beyond float rounding.
     */
    static final int ROW_BLOCK = 2048;

    /** This estimate's rows per block ({@link #ROW_BLOCK}; a test varies it to show it changes nothing). */
    private final int rowBlock;

    /** Blocks whose partial sums are kept before they are added, in block order, to the totals. */
    private static final int BLOCK_WAVE = 64;

    /**
     * A quantized hidden layer on one slice: row blocks in parallel, every unit on each block; each
     * block's sums per coordinate are added to the totals in block order, so results do not depend
     * on the thread count.
     */
    private void quantizedLayer(Slice s, int l) {
        int o = out[l];
        int n = in[l];
        UnitBounds[] bounds = new UnitBounds[o];
        IntStream.range(0, o).parallel().forEach(j -> bounds[j] = unitBounds(s, l, j));
        int rows = s.rows;
        int block = Math.max(1, rowBlock);
        int blocks = (rows + block - 1) / block;
        for (int w0 = 0; w0 < blocks; w0 += BLOCK_WAVE) {
            int wave = Math.min(BLOCK_WAVE, blocks - w0);
            double[][] partial = new double[wave][];
            long[][] changed = new long[wave][];
            int first = w0;
            IntStream.range(0, wave).parallel().forEach(k -> {
                int from = (first + k) * block;
                int to = Math.min(rows, from + block);
                double[] totals = new double[o * 2 * n];
                long[] ch = new long[o];
                Scratch scratch = new Scratch(maxWidth());
                for (int j = 0; j < o; j++) {
                    ch[j] = quantizedRows(s, l, j, bounds[j], from, to, totals, j * 2 * n, scratch);
                }
                partial[k] = totals;
                changed[k] = ch;
            });
            for (int k = 0; k < wave; k++) {
                for (int c = 0; c < partial[k].length; c++) {
                    acc[l][c] += partial[k][c];
                }
                for (int j = 0; j < o; j++) {
                    crossings[l][j] += changed[k][j];
                }
            }
        }
    }

    /**
     * What unit j of quantized layer l needs over the whole slice before its rows are scanned.
     *
     * @param margin float-rounding allowance on distances, {@code 1e-5 (max |z| + 1)}
     * @param bounds the largest |dz| any row can see, per coordinate and sign (with the margin), so
     *     no row that can change is skipped
     * @param maxBound the largest of them
     */
    private record UnitBounds(double margin, double[] bounds, double maxBound) {
    }

    private UnitBounds unitBounds(Slice s, int l, int j) {
        int n = in[l];
        int o = out[l];
        double zmax = 0;
        double maxSum = 0;
        for (int b = 0; b < s.rows; b++) {
            zmax = Math.max(zmax, Math.abs(s.z[l][b * o + j]));
            if (spec.binaryWeights()) {
                maxSum = Math.max(maxSum, Math.abs(s.sums[l][b * o + j]));
            }
        }
        double margin = 1e-5 * (zmax + 1);
        double[] bounds = new double[2 * n];
        double maxBound = 0;
        for (int i = 0; i < n; i++) {
            for (int sg = 0; sg < 2; sg++) {
                double d = sg == 0 ? eps : -eps;
                double bound;
                if (!spec.binaryWeights()) {
                    bound = eps * s.maxAbsH[l][i];
                } else {
                    float v = w[l][j * n + i];
                    boolean flips = sign((float) (v + d)) != sign(v);
                    bound = flips ? Double.POSITIVE_INFINITY : eps / n * maxSum;
                }
                bounds[2 * i + sg] = bound * (1 + 1e-5) + margin;
                maxBound = Math.max(maxBound, bounds[2 * i + sg]);
            }
        }
        return new UnitBounds(margin, bounds, maxBound);
    }

    /**
     * Unit j of quantized layer l on rows {@code from..to-1}: only rows near a threshold can change;
     * each that does is carried to the output, and its loss change added to {@code totals[at + 2i + sg]}.
     * The output change of a row depends only on the row and its new level, not on which weight
     * moved: computed once per (row, level change) and reused by the row's coordinates.
     *
     * @return the rows' level changes, summed over coordinates and signs
     */
    private long quantizedRows(Slice s, int l, int j, UnitBounds u, int from, int to, double[] totals, int at,
            Scratch scratch) {
        int n = in[l];
        int o = out[l];
        float[] zl = s.z[l];
        float[] h = s.h(l);
        double margin = u.margin();
        double[] bounds = u.bounds();
        double maxBound = u.maxBound();
        double sumAbs = absSum[l][j];
        float[] sums = spec.binaryWeights() ? s.sums[l] : null;
        // rows in their order (memory order: every row array is read sequentially), each coordinate
        // summing its rows in that one order; a row is a candidate only if its own largest input can
        // move it across a threshold (full-precision weights) or any coordinate's bound allows
        long changed = 0;
        float[] al = s.a[l];
        double[] rowMax = spec.binaryWeights() ? null : s.rowMaxAbsH[l];
        boolean signFp = rowMax != null && q instanceof Quantizer.Sign;
        for (int b = from; b < to; b++) {
            float z0 = zl[b * o + j];
            double dist = (float) distance(z0);
            // full-precision weights: the largest change any coordinate can make to z0 in this row
            double rowReach = rowMax != null ? eps * rowMax[b] * (1 + 1e-5) + margin : 0;
            if (dist > maxBound || (rowMax != null && dist > rowReach)) {
                continue;
            }
            float a0 = al[b * o + j];
            double r2 = 2 * s.r[b];
            if (signFp) {
                // sign with FP weights: a change moves the row to the other level iff the new value's
                // sign differs, and that change (-2 a0) is the same for every weight, so the row's loss
                // change v is carried once (nearly every candidate row crosses somewhere) and each
                // coordinate adds v times 1 where its new value's sign differs, else times 0: no branch
                // (near 0 whether a value crosses is a coin flip), the same sums as adding v only where
                // it crosses
                double dy = carry(s, l, j, b, -2 * a0, scratch);
                double v = dy * (r2 + dy);
                float half = 0.5f * a0;
                int crossed = 0;
                for (int i = 0; i < n; i++) {
                    double hv = h[b * n + i];
                    float up = 0.5f - half * Math.copySign(1f, (float) (z0 + eps * hv) + 0f);
                    float down = 0.5f - half * Math.copySign(1f, (float) (z0 + -eps * hv) + 0f);
                    totals[at + 2 * i] += up * v;
                    totals[at + 2 * i + 1] += down * v;
                    crossed += (int) (up + down);
                }
                changed += crossed;
                continue;
            }
            if (rowMax != null && jumps != null) {
                int crossed = oneStepRow(s, l, j, b, z0, a0, rowReach, totals, at, scratch);
                if (crossed >= 0) {
                    changed += crossed;
                    continue;
                }
            }
            // the open interval around z0 between its neighbouring thresholds, less the margin: when z0
            // itself lies inside it, a new value inside it keeps z0's level without asking the quantizer
            boolean interior = dist > margin;
            // full-precision weights: a change |eps h_bi| below this stays within the row's level
            double reach = (dist - margin) / (1 + 1e-5);
            // the row's last level change and its carried output change
            float lastDa = 0;
            double lastDy = 0;
            double lo = Double.NEGATIVE_INFINITY;
            double hi = Double.POSITIVE_INFINITY;
            for (double t : thresholds) {
                if (t <= z0) {
                    lo = Math.max(lo, t + margin);
                } else {
                    hi = Math.min(hi, t - margin);
                }
            }
            for (int i = 0; i < n; i++) {
                if (rowMax != null && eps * Math.abs(h[b * n + i]) < reach) {
                    continue;
                }
                for (int sg = 0; sg < 2; sg++) {
                    if (dist > bounds[2 * i + sg]) {
                        continue;
                    }
                    double d = sg == 0 ? eps : -eps;
                    float z1 = sums != null ? newZ(l, j, i, d, h, b, sums[b * o + j], sumAbs) : (float) (z0 + d * h[b * n + i]);
                    if (interior && z1 > lo && z1 < hi) {
                        continue;
                    }
                    float da = q.apply(z1) - a0;
                    if (da != 0) {
                        changed++;
                        if (lastDa != da) {
                            lastDa = da;
                            lastDy = carry(s, l, j, b, da, scratch);
                        }
                        totals[at + 2 * i + sg] += lastDy * (r2 + lastDy);
                    }
                }
            }
        }
        return changed;
    }

    /**
     * Unit j of quantized layer l in row b with full-precision weights, when no coordinate can move
     * it more than one level: with the quantizer's exact jump points ({@link Jumps}), a new value
     * {@code z1} changes the level iff {@code z1 >= up} (to the next level) or {@code z1 < down} (to
     * the one below), the same as {@code q.apply(z1) != q.apply(z0)} to the bit. Those two changes
     * are carried to the output once each (only when reachable), and each coordinate adds the loss
     * change of the way it moved times 1, the other times 0: no branch (near a threshold whether a
     * value crosses is a coin flip). Each coordinate's sum gets the same terms in the same order as
     * on the general path, plus zeros.
     *
     * @return the row's level changes over coordinates and signs, or -1 when some coordinate could
     *     move the row by two levels (the caller then takes the general path)
     */
    private int oneStepRow(Slice s, int l, int j, int b, float z0, float a0, double reach, double[] totals, int at,
            Scratch scratch) {
        int k = jumps.count(z0);
        float up = jumps.at(k);
        float down = jumps.at(k - 1);
        float top = (float) (z0 + reach);
        float bottom = (float) (z0 - reach);
        if (top >= jumps.at(k + 1) || bottom < jumps.at(k - 2)) {
            return -1;
        }
        int n = in[l];
        float[] h = s.h(l);
        double r2 = 2 * s.r[b];
        double vUp = 0;
        double vDown = 0;
        if (top >= up) {
            double dy = carry(s, l, j, b, jumps.value(k + 1) - a0, scratch);
            vUp = dy * (r2 + dy);
        }
        if (bottom < down) {
            double dy = carry(s, l, j, b, jumps.value(k - 1) - a0, scratch);
            vDown = dy * (r2 + dy);
        }
        float crossed = 0;
        for (int i = 0; i < n; i++) {
            double hv = h[b * n + i];
            float plus = (float) (z0 + eps * hv);
            float minus = (float) (z0 + -eps * hv);
            // 1 or 0 without a branch; distinct floats never subtract to 0, equal ones to +0
            float plusUp = 0.5f + 0.5f * Math.copySign(1f, plus - up);
            float plusDown = 0.5f - 0.5f * Math.copySign(1f, plus - down);
            float minusUp = 0.5f + 0.5f * Math.copySign(1f, minus - up);
            float minusDown = 0.5f - 0.5f * Math.copySign(1f, minus - down);
            totals[at + 2 * i] += plusUp * vUp + plusDown * vDown;
            totals[at + 2 * i + 1] += minusUp * vUp + minusDown * vDown;
            crossed += plusUp + plusDown + minusUp + minusDown;
        }
        return (int) crossed;
    }

    private int maxWidth() {
        int m = 1;
        for (int v : out) {
            m = Math.max(m, v);
        }
        return m;
    }

    /**
     * The output change of row b when unit j of hidden layer l changes its output by {@code da}:
     * the next layer's pre-activations move by {@code da} times column j of its weight factor
     * (for binary weights in the exact sums, then scaled as the engine scales them); units that
     * change level pass their changes on, the others stop. Into the output layer every unit's
     * change is added, zero or not, without a branch: whether a unit changes level is a coin flip
     * for rows near a threshold, and adding the zeros gives the same sum.
     */
    private double carry(Slice s, int l, int j, int b, float da, Scratch scratch) {
        boolean binary = spec.binaryWeights();
        double[] dz = scratch.dz;
        double[] next = scratch.next;
        float[] levels = scratch.levels;
        int m = l + 1;
        int om = out[m];
        for (int k = 0; k < om; k++) {
            dz[k] = da * factorT[m][j * om + k];
        }
        while (m < layers - 1) {
            int width = out[m];
            int nextWidth = out[m + 1];
            float[] level = s.a[m];
            double[] f = factorT[m + 1];
            int row = b * width;
            for (int k = 0; k < width; k++) {
                scratch.moved[k] = moved(s, m, row, k, dz[k]);
            }
            q.applyEach(scratch.moved, levels, 0, width);
            if (m + 1 == layers - 1 && nextWidth == 1) {
                double y = 0;
                for (int k = 0; k < width; k++) {
                    y += (levels[k] - level[row + k]) * f[k];
                }
                return binary ? y * s.scale[m + 1][0] : y;
            }
            Arrays.fill(next, 0, nextWidth, 0);
            boolean any = false;
            for (int k = 0; k < width; k++) {
                float dak = levels[k] - level[row + k];
                if (dak != 0) {
                    any = true;
                    for (int u = 0; u < nextWidth; u++) {
                        next[u] += dak * f[k * nextWidth + u];
                    }
                }
            }
            if (!any) {
                return 0;
            }
            System.arraycopy(next, 0, dz, 0, nextWidth);
            m++;
        }
        return binary ? dz[0] * s.scale[m][0] : dz[0];
    }

    /** A thread's work arrays for {@link #carry}, as wide as the widest layer. */
    private static final class Scratch {
        final double[] dz;
        final double[] next;
        /** A layer's moved pre-activations, and their levels ({@link Quantizer#applyEach}). */
        final float[] moved;
        final float[] levels;

        Scratch(int width) {
            dz = new double[width];
            next = new double[width];
            moved = new float[width];
            levels = new float[width];
        }
    }

    /**
     * Unit k of hidden layer m in the row starting at {@code row}, its pre-activation moved by
     * {@code dz}: for binary weights in the exact sums, then scaled as the engine scales them.
     */
    private float moved(Slice s, int m, int row, int k, double dz) {
        return spec.binaryWeights() ? (float) (s.sums[m][row + k] + dz) * s.scale[m][k] : (float) (s.z[m][row + k] + dz);
    }
}
