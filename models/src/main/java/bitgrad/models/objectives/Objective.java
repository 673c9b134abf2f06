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
