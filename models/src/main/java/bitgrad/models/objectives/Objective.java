package bitgrad.models.objectives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.Nd;
import bitgrad.models.nets.Forward;
import bitgrad.schemas.ParamSet;

/**
 * A loss over parameters, evaluated at a fixed point on fixed data, offering the batched
 * evaluations that every estimator needs. The data may be split into slices (large batches
 * stream in chunks); the loss is the sum of the slice contributions.
 *
 * <p>Implementations own native memory (cached data) and must be closed. Methods returning
 * host arrays free their temporaries; {@link #sliceLoss} returns an array registered in the
 * caller's {@link NDScope}.
 */
public interface Objective extends AutoCloseable {

    /** The parameters at which gradients are estimated. */
    ParamSet point();

    /** Number of data slices. */
    int slices();

    /**
     * Slice {@code slice}'s contribution to the loss (a scalar; contributions sum to the loss),
     * differentiable in {@code params} under autograd.
     *
     * @param params one array per parameter tensor, unstacked
     */
    NDArray sliceLoss(NDList params, int slice, Forward mode);

    /**
     * Exact losses of C parameter sets at once.
     *
     * @param stacked one array per parameter tensor with a leading copy axis {@code (C, ...)}
     * @return C losses
     */
    float[] lossBatch(NDList stacked);

    /**
     * Exact losses of {@code count} stacked chunks, chunk i built by {@code chunk.apply(i)} (it may
     * be called more than once; what it allocates belongs to the caller's scope). An objective
     * that streams its data in slices overrides this to read each slice once for all chunks,
     * instead of once per chunk.
     *
     * @return one array of losses per chunk
     */
    default float[][] lossChunks(int count, java.util.function.IntFunction<NDList> chunk) {
        float[][] out = new float[count][];
        for (int i = 0; i < count; i++) {
            try (ai.djl.ndarray.NDScope scope = new ai.djl.ndarray.NDScope()) {
                scope.suppressNotUsedWarning();
                out[i] = lossBatch(chunk.apply(i));
            }
        }
        return out;
    }

    /**
     * Exact losses along directions: {@code out[d][i] = L(base + coefficients[d][i] * v_d)}, where
     * {@code v_d} is entry d of every tensor of {@code directions} (each stacked {@code (D, ...)}).
     * What an lr sweep ({@code -lr} along one direction) and NES ({@code +-sigma} along each sample)
     * evaluate. This default materialises the copies in chunks of {@link #copiesPerChunk()};
     * an objective may share work between them (every copy's weights are the base plus a multiple of
     * one direction), within float rounding.
     */
    default float[][] lossAlong(NDList base, NDList directions, float[][] coefficients) {
        AlongCopies copies = new AlongCopies(coefficients, Math.max(1, copiesPerChunk()));
        float[][] chunks = lossChunks(copies.groups(), g -> copies.weights(base, directions, g, false));
        return copies.split(chunks);
    }

    /**
     * {@link #lossAlong} with every copy evaluated by its own forward pass, however many coefficients
     * a direction has: the reference for an objective whose {@code lossAlong} sweeps lines another
     * way. The same as {@code lossAlong} unless overridden.
     */
    default float[][] copiesAlong(NDList base, NDList directions, float[][] coefficients) {
        return lossAlong(base, directions, coefficients);
    }

    /**
     * The copies of {@link #lossAlong} in order (direction by direction) and their groups of at most
     * {@code group} copies; a group's weights are {@code base + A v} with A the group's coefficients
     * as a (copies x directions) matrix, one nonzero per row, so each copy's weights are exactly
     * {@code base + c v_d}.
     */
    final class AlongCopies {
        private final float[][] coefficients;
        private final int[] direction;
        private final float[] coefficient;
        private final int group;

        AlongCopies(float[][] coefficients, int group) {
            this.coefficients = coefficients;
            this.group = group;
            int n = 0;
            for (float[] c : coefficients) {
                n += c.length;
            }
            direction = new int[n];
            coefficient = new float[n];
            int k = 0;
            for (int d = 0; d < coefficients.length; d++) {
                for (float c : coefficients[d]) {
                    direction[k] = d;
                    coefficient[k++] = c;
                }
            }
        }

        /** Number of copies. */
        public int size() {
            return direction.length;
        }

        /** Number of groups. */
        public int groups() {
            return (size() + group - 1) / group;
        }

        /** First copy of group g. */
        public int first(int g) {
            return g * group;
        }

        /** Copies in group g. */
        public int count(int g) {
            return Math.min(group, size() - g * group);
        }

        /** The direction of copy k. */
        public int direction(int k) {
            return direction[k];
        }

        /** The coefficient of copy k. */
        public float coefficient(int k) {
            return coefficient[k];
        }

        /** Group g's coefficients as a {@code (count, directions from..to)} matrix, one nonzero per row. */
        public NDArray matrix(NDManager m, int g) {
            int c = count(g);
            int lo = direction(first(g));
            int span = direction(first(g) + c - 1) - lo + 1;
            float[] a = new float[c * span];
            for (int i = 0; i < c; i++) {
                a[i * span + direction(first(g) + i) - lo] = coefficient(first(g) + i);
            }
            return Nd.create(m, a, new Shape(c, span));
        }

        /**
         * Group g's weights of every tensor: {@code (count, ...)} stacked, or, with {@code squeeze} and
         * a single copy, unstacked.
         */
        public NDList weights(NDList base, NDList directions, int g, boolean squeeze) {
            NDList out = new NDList(base.size());
            for (int t = 0; t < base.size(); t++) {
                out.add(weight(base, directions, g, t, squeeze));
            }
            return out;
        }

        /** Tensor t of group g's weights (see {@link #weights}). */
        public NDArray weight(NDList base, NDList directions, int g, int t, boolean squeeze) {
            NDArray b = base.get(t);
            int c = count(g);
            int lo = direction(first(g));
            if (c == 1 && squeeze) {
                return b.add(Nd.mul(directions.get(t).get(lo), coefficient(first(g))));
            }
            NDArray a = matrix(b.getManager(), g);
            NDArray v = directions.get(t).get(lo + ":" + (lo + a.getShape().get(1))).reshape(a.getShape().get(1), -1);
            long[] shape = new long[b.getShape().dimension() + 1];
            shape[0] = c;
            System.arraycopy(b.getShape().getShape(), 0, shape, 1, shape.length - 1);
            return a.matMul(v).reshape(new Shape(shape)).addi(b.expandDims(0));
        }

        /** Per-copy values (in copy order) back into one array per direction. */
        public float[][] split(float[] perCopy) {
            float[][] out = new float[coefficients.length][];
            int k = 0;
            for (int d = 0; d < coefficients.length; d++) {
                out[d] = java.util.Arrays.copyOfRange(perCopy, k, k + coefficients[d].length);
                k += coefficients[d].length;
            }
            return out;
        }

        /** Per-group values back into one array per direction. */
        public float[][] split(float[][] perGroup) {
            float[] flat = new float[size()];
            for (int g = 0; g < perGroup.length; g++) {
                System.arraycopy(perGroup[g], 0, flat, first(g), perGroup[g].length);
            }
            return split(flat);
        }
    }

    /**
     * Exact losses of C copies of {@code params}, copy c having element {@code coords[c]} (row-major
     * index) of tensor {@code tensor} shifted by {@code deltas[c]}. The CDG primitive: an
     * implementation evaluates what precedes the tensor once and the copies together.
     */
    float[] lossCoordinates(NDList params, int tensor, int[] coords, float[] deltas);

    /** How many parameter copies one batched evaluation may hold (bounds native memory). */
    int copiesPerChunk();

    /** Nominal FLOPs of one full forward pass over the whole data. */
    double forwardFlops();

    /**
     * Nominal FLOPs of one evaluation with tensor {@code tensor} perturbed: the layer holding it
     * and everything after it, over the whole data.
     */
    double perturbedFlops(int tensor);

    /** The exact loss at {@code p}. */
    default float loss(ParamSet p) {
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList stacked = new NDList();
            for (NDArray a : Nd.toNd(m, p)) {
                stacked.add(a.expandDims(0));
            }
            return lossBatch(stacked)[0];
        }
    }

    /** The exact loss at {@link #point()}. */
    default float loss() {
        return loss(point());
    }

    @Override
    void close();

    /**
     * {@link #lossCoordinates} by materialising every copy: right for objectives where nothing
     * can be shared between copies (e.g. Rosenbrock).
     */
    static float[] coordinatesByCopies(Objective o, NDList params, int tensor, int[] coords, float[] deltas) {
        NDManager m = params.get(0).getManager();
        int c = coords.length;
        NDList stacked = new NDList(params.size());
        for (int t = 0; t < params.size(); t++) {
            NDArray a = params.get(t);
            Shape s = a.getShape();
            NDArray rep = a.expandDims(0).repeat(0, c);
            if (t == tensor) {
                int n = Math.toIntExact(s.size());
                float[] d = new float[c * n];
                for (int i = 0; i < c; i++) {
                    d[i * n + coords[i]] = deltas[i];
                }
                long[] shape = new long[s.dimension() + 1];
                shape[0] = c;
                System.arraycopy(s.getShape(), 0, shape, 1, s.dimension());
                rep = rep.add(Nd.create(m, d, new Shape(shape)));
            }
            stacked.add(rep);
        }
        return o.lossBatch(stacked);
    }
}
