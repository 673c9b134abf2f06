package bitgrad.models.objectives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.Nd;
import bitgrad.models.nets.Forward;
import bitgrad.models.nets.Mlp;
import bitgrad.models.nets.MlpSpec;
import bitgrad.schemas.ParamSet;
import java.util.stream.IntStream;

/**
 * Mean squared error between the evaluate (student) MLP and a fixed full-precision teacher on a
 * Gaussian batch: {@code L(w) = mean_b (f_w(x_b) - t(x_b))^2} (science.md §1).
 *
 * <p>Coordinate perturbations use the structure of a Linear layer: changing element (j, i) of
 * layer l's weight changes only output column j of that layer, so the layers before l run
 * once per slice, the perturbed layer costs one thin matmul for all copies, and only the
 * layers after it run per copy, all copies in one batched matmul.
 *
 * <p>Over 400 lines because every evaluation path (the batched loss, copies along directions, the line sweep's start, the
 * linear closed form, coordinate losses and the host pass delta CDG reads) shares the cached batch, the teacher's outputs
 * and the chunking that keep them fast; the first-layer products ({@link FirstLayer}) and the copies' bookkeeping
 * ({@link Objective.AlongCopies}) live apart.
 */
public final class TeacherStudentObjective implements Objective {

    /**
     * Floats one intermediate tensor of a batched evaluation may hold (default 2^19, 2 MiB: small
     * enough to stay in cache and out of the allocator's mmap path); system property
     * {@code bitgrad.chunkFloats} overrides it. Results do not depend on it beyond float rounding.
     */
    public static final long CHUNK_FLOATS = Long.getLong("bitgrad.chunkFloats", 1L << 19);

    private final MlpSpec spec;
    private final ParamSet point;
    private final Batch batch;
    private final NDManager manager;
    private final NDList teacher;
    private final MlpSpec teacherSpec;
    private final NDArray cachedX;
    private final NDArray cachedY;

    /**
     * @param spec the evaluate model's shape
     * @param teacherWeights weights of the FP teacher of the same shape
     * @param point the evaluate model's weights, where gradients are taken
     * @param batch the inputs
     */
    public TeacherStudentObjective(MlpSpec spec, ParamSet teacherWeights, ParamSet point, Batch batch) {
        if (batch.dim() != spec.dim()) {
            throw new IllegalArgumentException("batch dim " + batch.dim() + " != model dim " + spec.dim());
        }
        this.spec = spec;
        this.point = point;
        this.batch = batch;
        this.teacherSpec = spec.teacherSpec();
        this.manager = NDManager.newBaseManager();
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            teacher = Nd.toNd(manager, teacherWeights);
            NDScope.unregister(teacher);
            if (batch.slices() == 1) {
                NDArray[] xy = makeSlice(0);
                cachedX = xy[0];
                cachedY = xy[1];
                NDScope.unregister(cachedX, cachedY);
            } else {
                cachedX = null;
                cachedY = null;
            }
        }
    }

    /** The model shape. */
    public MlpSpec spec() {
        return spec;
    }

    /** The data. */
    public Batch batch() {
        return batch;
    }

    @Override
    public ParamSet point() {
        return point;
    }

    @Override
    public int slices() {
        return batch.slices();
    }

    private NDArray[] makeSlice(int s) {
        NDArray x = Nd.create(manager, batch.slice(s), new Shape(batch.rows(s), batch.dim()));
        NDArray y = Mlp.forward(teacherSpec, teacher, x, Forward.EXACT);
        return new NDArray[] {x, y};
    }

    /** x {@code (B_s, dim)} and teacher output y {@code (B_s, 1)} of slice s. */
    private NDArray[] data(int s) {
        return cachedX != null ? new NDArray[] {cachedX, cachedY} : makeSlice(s);
    }

    @Override
    public NDArray sliceLoss(NDList params, int slice, Forward mode) {
        NDArray[] xy = data(slice);
        NDArray out = Mlp.forward(spec, params, xy[0], mode);
        return Nd.div(out.sub(xy[1]).square().sum(), batch.size());
    }

    @Override
    public float[] lossBatch(NDList stacked) {
        return lossChunks(1, i -> stacked)[0];
    }

    /** Slices outermost: each slice is read (and its teacher output computed) once for all chunks. */
    @Override
    public float[][] lossChunks(int count, java.util.function.IntFunction<NDList> chunk) {
        double[][] acc = new double[count][];
        for (int s = 0; s < slices(); s++) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray[] xy = data(s);
                for (int i = 0; i < count; i++) {
                    try (NDScope inner = new NDScope()) {
                        inner.suppressNotUsedWarning();
                        NDArray out = Mlp.forward(spec, chunk.apply(i), xy[0], Forward.EXACT);
                        float[] part = out.sub(xy[1]).square().sum(new int[] {1, 2}).toFloatArray();
                        if (acc[i] == null) {
                            acc[i] = new double[part.length];
                        }
                        add(acc[i], part);
                    }
                }
            }
        }
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            out[i] = mean(acc[i]);
        }
        return out;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Here every copy runs its own forward pass in groups of {@link #copiesPerChunk()} (one
     * plain matmul per layer when a group is a single copy), with the sign activation written over
     * each fresh pre-activation. The groups are split into one contiguous part per core, each run by
     * a thread of its own (between the engine's operations on tensors this size a core sits idle, so
     * two callers keep both busy; each copy's loss is the same either way). With full-precision
     * weights the first layer is shared: for copy {@code w0 + c v0} its pre-activation is
     * {@code x w0^T + c (x v0^T)}, where {@code x w0^T} is computed once per slice (and part) and
     * {@code x v0^T} once per direction, several directions in one wide
     * matmul. That skips the first layer's matmul of every copy; it rounds the pre-activation
     * differently from the dense product, so a row within float rounding of a threshold may land
     * on another level (as for delta CDG).
     *
     * <p>A direction with at least {@link #LINE_COEFFICIENTS} coefficients (an lr sweep) with
     * full-precision weights takes {@link LineSweep} instead: each row carries every layer's sums
     * along the line and updates them only where a level changes, no forward pass per copy.
     */
    @Override
    public float[][] lossAlong(NDList base, NDList directions, float[][] coefficients) {
        // the identity activation's own path is copiesAlong's
        boolean lines = !spec.activation().fullPrecision() && !spec.binaryWeights();
        for (float[] cs : coefficients) {
            lines &= cs.length >= LINE_COEFFICIENTS;
        }
        return lines ? lineAlong(base, directions, coefficients) : copiesAlong(base, directions, coefficients);
    }

    /** Coefficients per direction from which {@link #lossAlong} sweeps a line rather than running copies. */
    public static final int LINE_COEFFICIENTS = 8;

    /**
     * {@link #lossAlong} with a forward pass per copy, whatever the number of coefficients: the
     * reference the line sweep is tested against.
     */
    @Override
    public float[][] copiesAlong(NDList base, NDList directions, float[][] coefficients) {
        return copiesAlong(base, directions, coefficients, bitgrad.models.Cores.host());
    }

    /** {@link #copiesAlong} with its groups split over up to {@code threads} threads. */
    float[][] copiesAlong(NDList base, NDList directions, float[][] coefficients, int threads) {
        if (spec.activation().fullPrecision()) {
            return linearAlong(base, directions, coefficients);
        }
        AlongCopies copies = new AlongCopies(coefficients, copiesPerChunk());
        boolean shared = !spec.binaryWeights();
        double[] acc = new double[copies.size()];
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            // every copy's weights at once when they fit in KEEP_FLOATS, else each group's per slice
            NDArray[] all = copies.size() * point.numel() <= KEEP_FLOATS ? allWeights(copies, base, directions, shared) : null;
            int[] parts = parts(copies, threads);
            for (int s = 0; s < slices(); s++) {
                try (NDScope sliceScope = new NDScope()) {
                    sliceScope.suppressNotUsedWarning();
                    NDArray[] xy = data(s);
                    // each part's groups on a thread of their own, into their own entries of acc; with
                    // several parts, each part's operations on its own core
                    Runnable run = () -> IntStream.range(0, parts.length - 1).parallel().forEach(p -> {
                        try (NDScope partScope = new NDScope()) {
                            partScope.suppressNotUsedWarning();
                            copiesOnSlice(copies, parts[p], parts[p + 1], xy, base, directions, all, acc);
                        }
                    });
                    if (parts.length > 2) {
                        bitgrad.models.EngineThreads.single(run);
                    } else {
                        run.run();
                    }
                }
            }
        }
        return copies.split(mean(acc));
    }

    /** Copies of a group a thread of {@link #copiesAlong} takes at least (below, one thread runs them all). */
    private static final int PART_GROUPS = 8;

    /**
     * Group boundaries {@code 0 = b_0 < b_1 < ... = groups} splitting {@link #copiesAlong}'s groups
     * into at most {@code threads} contiguous parts of at least {@link #PART_GROUPS} groups, each
     * starting at a new direction where one lies within {@link #PART_GROUPS} groups (so the
     * antithetic copies of a direction share their first layer's product).
     */
    static int[] parts(AlongCopies copies, int threads) {
        int groups = copies.groups();
        int n = Math.max(1, Math.min(threads, groups / PART_GROUPS));
        int[] bounds = new int[n + 1];
        bounds[n] = groups;
        for (int p = 1; p < n; p++) {
            int b = Math.max(bounds[p - 1] + 1, (int) ((long) groups * p / n));
            int limit = Math.min(groups - (n - p), b + PART_GROUPS);
            while (b < limit && copies.direction(copies.first(b)) == copies.direction(copies.first(b) - 1)) {
                b++;
            }
            bounds[p] = b;
        }
        return bounds;
    }

    /** Groups {@code from..to-1} of {@link #copiesAlong} on one slice: their squared errors added to acc. */
    private void copiesOnSlice(AlongCopies copies, int from, int to, NDArray[] xy, NDList base, NDList directions, NDArray[] all,
            double[] acc) {
        boolean shared = !spec.binaryWeights();
        int end = copies.direction(copies.first(to - 1) + copies.count(to - 1) - 1) + 1;
        try (FirstLayer first = shared ? new FirstLayer(xy[0], base.get(0), directions.get(0), end) : null) {
            for (int g = from; g < to; g++) {
                try (NDScope groupScope = new NDScope()) {
                    groupScope.suppressNotUsedWarning();
                    NDList w = all != null ? groupOf(copies, all, g) : groupWeights(copies, base, directions, g, shared);
                    NDArray z = shared ? first.preActivation(copies, g) : Mlp.linear(spec, xy[0], w.get(0), false);
                    for (int l = 1; l < spec.layers(); l++) {
                        NDArray h = spec.activation().forwardInPlace(z);
                        z = spec.binaryWeights() ? Mlp.linear(spec, h, w.get(l), false) : h.matMul(w.get(l));
                    }
                    NDArray sq = z.subi(xy[1]).square();
                    float[] part = copies.count(g) == 1 ? new float[] {sq.sum().getFloat()} : sq.sum(new int[] {1, 2}).toFloatArray();
                    for (int i = 0; i < part.length; i++) {
                        acc[copies.first(g) + i] += part[i];
                    }
                }
            }
        }
    }

    /**
     * {@link #lossAlong} by {@link LineSweep}, every direction on its own: layer 0's products
     * {@code x w0^T} and {@code x v0^T} in the engine, one slice at a time, the rest on the host.
     */
    private float[][] lineAlong(NDList base, NDList directions, float[][] coefficients) {
        int layers = spec.layers();
        float[][] w = new float[layers][];
        for (int l = 0; l < layers; l++) {
            w[l] = base.get(l).toFloatArray();
        }
        int count = coefficients.length;
        LineSweep[] lines = new LineSweep[count];
        int[][] order = new int[count][];
        double[][] acc = new double[count][];
        for (int d = 0; d < count; d++) {
            float[][] v = new float[layers][];
            for (int l = 0; l < layers; l++) {
                v[l] = directions.get(l).get(d).toFloatArray();
            }
            float[] cs = coefficients[d];
            order[d] = IntStream.range(0, cs.length).boxed().sorted((i, j) -> Float.compare(cs[i], cs[j]))
                    .mapToInt(Integer::intValue).toArray();
            float[] sorted = new float[cs.length];
            for (int k = 0; k < cs.length; k++) {
                sorted[k] = cs[order[d][k]];
            }
            lines[d] = new LineSweep(spec, w, v, sorted);
            acc[d] = new double[cs.length];
        }
        for (int s = 0; s < slices(); s++) {
            try (NDScope scope = new NDScope()) {
                scope.suppressNotUsedWarning();
                NDArray[] xy = data(s);
                NDArray a = xy[0].matMul(base.get(0).transpose());
                float[] a0 = a.toFloatArray();
                float[] target = xy[1].toFloatArray();
                for (int d = 0; d < count; d++) {
                    float[] b0;
                    LineSweep.Start start;
                    try (NDScope directionScope = new NDScope()) { // the engine's copies go once on the host
                        directionScope.suppressNotUsedWarning();
                        NDArray b = xy[0].matMul(directions.get(0).get(d).transpose());
                        start = lineStart(base, directions, d, a, b, lines[d].first());
                        b0 = b.toFloatArray();
                    }
                    double[] part = lines[d].squaredErrors(a0, b0, start, target, batch.rows(s));
                    for (int k = 0; k < part.length; k++) {
                        acc[d][order[d][k]] += part[k];
                    }
                }
            }
        }
        float[][] out = new float[count][];
        for (int d = 0; d < count; d++) {
            out[d] = mean(acc[d]);
        }
        return out;
    }

    /**
     * The line sweep's start on one slice: every layer's levels and sums at {@code w + c0 v} (the
     * first coefficient), a forward pass in the engine with two thin matmuls per layer. Layer
     * l's pre-activation is formed as the host forms it, {@code fl(fl(c0 q) + p)}, and leveled by the
     * engine's forward, which equals the host's {@code apply} bit for bit.
     */
    private LineSweep.Start lineStart(NDList base, NDList directions, int d, NDArray a, NDArray b, float c0) {
        int layers = spec.layers();
        float[][] h = new float[layers][];
        float[][] p = new float[layers][];
        float[][] q = new float[layers][];
        NDArray z = Nd.mul(b, c0).addi(a);
        for (int l = 1; l < layers; l++) {
            NDArray hl = spec.activation().forwardInPlace(z);
            h[l] = hl.toFloatArray();
            NDArray pl = hl.matMul(base.get(l).transpose());
            NDArray ql = hl.matMul(directions.get(l).get(d).transpose());
            p[l] = pl.toFloatArray();
            q[l] = ql.toFloatArray();
            z = Nd.mul(ql, c0).addi(pl);
        }
        return new LineSweep.Start(h, p, q);
    }

    /** Stacked copies' weights {@link #lossAlong} keeps for all slices at most (2^24 floats, 64 MiB). */
    private static final long KEEP_FLOATS = 1L << 24;

    /**
     * Every copy's weights for {@link #lossAlong} (but the first layer's when it is shared): {@code
     * base + c v_d} for all copies at once, a gather, a scaling and an addition per layer instead of
     * a few small operations per copy; full-precision ones transposed to {@code (copies, in, out)}.
     * The same floats as {@link #groupWeights} forms group by group.
     */
    private NDArray[] allWeights(AlongCopies copies, NDList base, NDList directions, boolean shared) {
        NDManager m = base.get(0).getManager();
        int n = copies.size();
        long[] direction = new long[n];
        float[] coefficient = new float[n];
        for (int k = 0; k < n; k++) {
            direction[k] = copies.direction(k);
            coefficient[k] = copies.coefficient(k);
        }
        NDArray pick = m.create(direction);
        NDArray scale = Nd.create(m, coefficient, new Shape(n, 1, 1));
        NDArray[] all = new NDArray[spec.layers()];
        for (int l = shared ? 1 : 0; l < spec.layers(); l++) {
            NDArray w;
            try (NDArray v = directions.get(l).get(new ai.djl.ndarray.index.NDIndex("{}", pick))) {
                w = v.mul(scale).addi(base.get(l));
            }
            if (shared) { // the layout the matmul reads
                try (NDArray stacked = w) {
                    w = Nd.transposeLast2(stacked).duplicate();
                }
            }
            all[l] = w;
        }
        return all;
    }

    /** Group g's weights out of {@link #allWeights}: {@code (count, ...)}, or one copy's unstacked. */
    private NDList groupOf(AlongCopies copies, NDArray[] all, int g) {
        NDList w = new NDList(spec.layers());
        int from = copies.first(g);
        int c = copies.count(g);
        for (int l = 0; l < spec.layers(); l++) {
            w.add(all[l] == null ? null : c == 1 ? all[l].get(from) : all[l].get(from + ":" + (from + c)));
        }
        return w;
    }

    /**
     * Group g's weights for {@link #lossAlong}: full-precision ones transposed (the layout the
     * matmul reads), the first layer's left out when it is shared.
     */
    private NDList groupWeights(AlongCopies copies, NDList base, NDList directions, int g, boolean shared) {
        NDList w = new NDList(spec.layers());
        for (int l = 0; l < spec.layers(); l++) {
            NDArray wl = l == 0 && shared ? null : copies.weight(base, directions, g, l, true);
            w.add(wl == null || spec.binaryWeights() ? wl : Nd.transposeLast2(wl).duplicate());
        }
        return w;
    }

    /**
     * {@link #lossAlong} for the identity activation: each copy's network is linear, its output
     * {@code x m_c} with {@code m_c^T = W_L ... W_1 W_0} (binary weights as {@code sign(W) mean|W|}),
     * so every copy costs a product of its small weight matrices once and one column of a single
     * wide matmul {@code x M^T} per slice, instead of a matmul per layer over every row. Reassociating
     * the product rounds differently from layer-by-layer evaluation (float rounding; no thresholds).
     */
    private float[][] linearAlong(NDList base, NDList directions, float[][] coefficients) {
        // the copies' weights are all that is stacked here: as many per group as WIDE_FLOATS hold
        AlongCopies copies = new AlongCopies(coefficients, (int) Math.max(1, Math.min(1 << 16, WIDE_FLOATS / point.numel())));
        int n = copies.size();
        double[] acc = new double[n];
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList vectors = new NDList(copies.groups());
            for (int g = 0; g < copies.groups(); g++) {
                NDList w = copies.weights(base, directions, g, false);
                NDArray m = null; // (C, 1, in_l): the output's row vector through layers l..
                for (int l = spec.layers() - 1; l >= 0; l--) {
                    NDArray wl = w.get(l);
                    NDArray effective = spec.binaryWeights() ? Nd.signPm1(wl).mul(Mlp.rowScale(wl)) : wl;
                    m = m == null ? effective : m.matMul(effective);
                }
                vectors.add(m.reshape(copies.count(g), spec.dim()));
            }
            NDArray all = NDArrays.concat(vectors, 0); // (n, dim)
            for (int s = 0; s < slices(); s++) {
                try (NDScope sliceScope = new NDScope()) {
                    sliceScope.suppressNotUsedWarning();
                    NDArray[] xy = data(s);
                    int block = (int) Math.max(1, Math.min(n, WIDE_FLOATS / batch.rows(s)));
                    for (int k0 = 0; k0 < n; k0 += block) {
                        try (NDScope blockScope = new NDScope()) {
                            blockScope.suppressNotUsedWarning();
                            int k = Math.min(block, n - k0);
                            NDArray out = xy[0].matMul(all.get(k0 + ":" + (k0 + k)).transpose());
                            float[] part = out.subi(xy[1]).square().sum(new int[] {0}).toFloatArray();
                            for (int i = 0; i < k; i++) {
                                acc[k0 + i] += part[i];
                            }
                        }
                    }
                }
            }
        }
        return copies.split(mean(acc));
    }

    /** Floats of first-layer direction products {@link #lossAlong} computes in one matmul (4 chunks). */
    static final long WIDE_FLOATS = 4 * CHUNK_FLOATS;

    @Override
    public float[] lossCoordinates(NDList params, int tensor, int[] coords, float[] deltas) {
        int c = coords.length;
        long[] shape = spec.weightShape(tensor);
        int out = (int) shape[0];
        int in = (int) shape[1];
        float[] rowPick = new float[c * out];
        float[] colShift = new float[c * in];
        for (int k = 0; k < c; k++) {
            rowPick[k * out + coords[k] / in] = 1f;
            colShift[k * in + coords[k] % in] = deltas[k];
        }
        boolean last = tensor == spec.depth();
        double[] acc = new double[c];
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray w = params.get(tensor);
            NDArray pick = Nd.create(manager, rowPick, new Shape(c, out));
            // The perturbed row of every copy, (C, in).
            NDArray rows = pick.matMul(w).add(Nd.create(manager, colShift, new Shape(c, in)));
            // Layer tensor+1 sees the copies through one column of its weight, (C, 1, next).
            NDArray nextColumn = last ? null : pick.matMul(Nd.transposeLast2(nextFactor(params.get(tensor + 1)))).expandDims(1);
            for (int s = 0; s < slices(); s++) {
                try (NDScope sliceScope = new NDScope()) {
                    sliceScope.suppressNotUsedWarning();
                    NDArray[] xy = data(s);
                    NDArray h = Mlp.prefix(spec, params, xy[0], tensor);
                    // Each copy's new output column of the perturbed layer: (C, B).
                    NDArray column = Mlp.linear(spec, h, rows, false).transpose();
                    NDArray y = last ? column.expandDims(2) : afterColumn(params, tensor, h, column, pick, nextColumn);
                    add(acc, y.sub(xy[1]).square().sum(new int[] {1, 2}).toFloatArray());
                }
            }
        }
        return mean(acc);
    }

    /** The factor of a layer's weight that multiplies its input: W, or sign(W) for binary weights. */
    private NDArray nextFactor(NDArray w) {
        return spec.binaryWeights() ? Nd.signPm1(w) : w;
    }

    /**
     * Output of every copy when only column j of hidden layer {@code tensor}'s output differs
     * from the unperturbed pass: the next layer's input changes by {@code d = act(column) -
     * act(z0)[:, j]} in one coordinate, so its pre-activation is the shared one plus the outer
     * product of d with column j of its weight (for binary weights, on the exact integer sums
     * before the per-row scale). Layers after that run per copy.
     */
    private NDArray afterColumn(NDList params, int tensor, NDArray h, NDArray column, NDArray pick, NDArray nextColumn) {
        NDArray a0 = spec.activation().forward(Mlp.linear(spec, h, params.get(tensor), false));
        NDArray d = spec.activation().forward(column).sub(a0.matMul(pick.transpose()).transpose()).expandDims(2);
        NDArray next = params.get(tensor + 1);
        NDArray z = d.mul(nextColumn).addi(a0.matMul(Nd.transposeLast2(nextFactor(next))));
        if (spec.binaryWeights()) {
            z = z.mul(Nd.transposeLast2(Mlp.rowScale(next)));
        }
        if (tensor + 1 == spec.depth()) {
            return z;
        }
        return Mlp.forwardFrom(spec, params, tensor + 2, spec.activation().forward(z), Forward.EXACT);
    }

    /**
     * Host copies of one slice's exact forward pass, what delta-propagation CDG starts from.
     *
     * @param rows rows in the slice (B)
     * @param x the inputs, {@code (B, dim)} row-major
     * @param z the pre-activation of every layer {@code l}, {@code (B, out_l)} row-major; the last is
     *     the output
     * @param target the teacher's output, {@code (B)}
     * @param sums binary weights only (else null): every layer's sums before the row scale,
     *     {@code h @ sign(W)^T}, {@code (B, out_l)}; exact integers on binary inputs
     * @param alpha binary weights only (else null): every layer's row scales mean|W|, {@code (out_l)}
     */
    public record Pass(int rows, float[] x, float[][] z, float[] target, float[][] sums, float[][] alpha) {
    }

    /** The exact forward pass of slice {@code s} at {@code params}, on the host. */
    public Pass pass(NDList params, int s) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray[] xy = data(s);
            float[][] z = new float[spec.layers()][];
            float[][] sums = spec.binaryWeights() ? new float[spec.layers()][] : null;
            float[][] alpha = spec.binaryWeights() ? new float[spec.layers()][] : null;
            NDArray h = xy[0];
            for (int l = 0; l < spec.layers(); l++) {
                NDArray zl = Mlp.linear(spec, h, params.get(l), false);
                z[l] = zl.toFloatArray();
                if (sums != null) {
                    sums[l] = h.matMul(Nd.transposeLast2(Nd.signPm1(params.get(l)))).toFloatArray();
                    alpha[l] = Mlp.rowScale(params.get(l)).toFloatArray();
                }
                if (l < spec.depth()) {
                    h = spec.activation().forward(zl);
                }
            }
            return new Pass(batch.rows(s), xy[0].toFloatArray(), z, xy[1].toFloatArray(), sums, alpha);
        }
    }

    /** Index in the whole batch of slice {@code s}'s first row. */
    public long rowOffset(int s) {
        long r = 0;
        for (int i = 0; i < s; i++) {
            r += batch.rows(i);
        }
        return r;
    }

    /** Pre-activation {@code (B_s, out_l)} of layer {@code layer} on slice {@code s}, earlier layers activated by {@code mode}. */
    public NDArray preActivation(NDList params, int s, int layer, Forward mode) {
        NDArray h = data(s)[0];
        for (int l = 0; l < layer; l++) {
            h = mode.activate(spec.activation(), l, Mlp.linear(spec, h, params.get(l), false));
        }
        return Mlp.linear(spec, h, params.get(layer), false);
    }

    @Override
    public int copiesPerChunk() {
        long rows = batch.maxRows();
        return (int) Math.max(1, Math.min(1 << 16, CHUNK_FLOATS / (rows * spec.dim())));
    }

    @Override
    public double forwardFlops() {
        return spec.flopsFrom(0, batch.size());
    }

    @Override
    public double perturbedFlops(int tensor) {
        return spec.flopsFrom(tensor, batch.size());
    }

    private static void add(double[] acc, float[] v) {
        for (int i = 0; i < acc.length; i++) {
            acc[i] += v[i];
        }
    }

    private float[] mean(double[] acc) {
        float[] out = new float[acc.length];
        for (int i = 0; i < acc.length; i++) {
            out[i] = (float) (acc[i] / batch.size());
        }
        return out;
    }

    @Override
    public void close() {
        manager.close();
    }
}
