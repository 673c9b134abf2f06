package bitgrad.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;

/**
 * Small conversions between host tensors and DJL arrays, and tensor helpers used everywhere.
 *
 * <p>Memory rule: DJL's {@code NDManager.create(float[])} and its {@code mul(Number)} /
 * {@code div(Number)} wrap a Java direct buffer that the engine does not own. Autograd saves
 * such tensors for the backward pass, and once the Java wrapper is unreachable the garbage
 * collector may free the buffer first, so the gradient silently reads freed memory. Every
 * host-to-engine copy and every scalar product in bitgrad therefore goes through
 * {@link #create}, {@link #mul} and {@link #div}, which keep the values in engine memory.
 */
public final class Nd {

    private Nd() {
    }

    /** The host tensor as a float32 array owned by {@code m}. */
    public static NDArray toNd(NDManager m, HostTensor t) {
        return create(m, t.data(), new Shape(t.shape()));
    }

    /** A float32 array of {@code shape} holding a copy of {@code values} in engine-owned memory. */
    public static NDArray create(NDManager m, float[] values, Shape shape) {
        try (NDArray aliasing = m.create(values, shape)) {
            return aliasing.duplicate();
        }
    }

    /** {@code x * v} with the scalar in engine memory (safe to differentiate). */
    public static NDArray mul(NDArray x, double v) {
        return x.mul(scalar(x, v));
    }

    /** {@code x / v} with the scalar in engine memory (safe to differentiate). */
    public static NDArray div(NDArray x, double v) {
        return x.div(scalar(x, v));
    }

    /** {@code x + v} with the scalar in engine memory (safe to differentiate). */
    public static NDArray add(NDArray x, double v) {
        return x.add(scalar(x, v));
    }

    /** {@code max(x, v)} elementwise with the scalar in engine memory (safe to differentiate). */
    public static NDArray maximum(NDArray x, double v) {
        return x.maximum(scalar(x, v));
    }

    private static NDArray scalar(NDArray like, double v) {
        return like.getManager().full(new Shape(), (float) v, like.getDataType());
    }

    /**
     * Directions of the same shapes stacked tensor by tensor: tensor t of the result is
     * {@code (directions.size(), shape_t)}, direction d at index d (what {@code lossAlong} takes).
     */
    public static NDList stacked(NDManager m, java.util.List<ParamSet> directions) {
        int count = directions.get(0).count();
        NDList out = new NDList(count);
        for (int t = 0; t < count; t++) {
            NDList perDirection = new NDList(directions.size());
            for (ParamSet d : directions) {
                perDirection.add(toNd(m, d.get(t)));
            }
            out.add(ai.djl.ndarray.NDArrays.stack(perDirection));
        }
        return out;
    }

    /** Every tensor of {@code p} as arrays owned by {@code m}, in order. */
    public static NDList toNd(NDManager m, ParamSet p) {
        NDList out = new NDList(p.count());
        for (HostTensor t : p.tensors()) {
            out.add(toNd(m, t));
        }
        return out;
    }

    /** Swaps the last two axes (a matrix transpose that keeps any leading copy axes). */
    public static NDArray transposeLast2(NDArray w) {
        int r = w.getShape().dimension();
        int[] axes = new int[r];
        for (int i = 0; i < r; i++) {
            axes[i] = i;
        }
        axes[r - 2] = r - 1;
        axes[r - 1] = r - 2;
        return w.transpose(axes);
    }

    /**
     * sign with sign(0) = +1, as float32 in {-1, +1}: {@code sign(sign(x) + 0.5)}, exact and
     * all-float (a boolean mask converted to float costs as much as the layer's matmul).
     */
    public static NDArray signPm1(NDArray x) {
        return x.sign().addi(0.5f).signi();
    }

    /**
     * {@link #signPm1} written over {@code x} (which must not need a gradient): one in-place sign
     * pass, and a read-only check that no element is exactly zero, which costs a third of the two
     * further passes it makes unnecessary. After {@code sign} every element is -1, 0 or +1 (or NaN),
     * so their product is exactly +-1 unless one is 0 (or NaN), whatever the array's size; one that
     * is takes the two fixing passes.
     */
    public static NDArray signPm1InPlace(NDArray x) {
        x.signi();
        try (NDArray product = x.prod()) {
            if (Math.abs(product.getFloat()) == 1f) {
                return x;
            }
        }
        return x.addi(0.5f).signi();
    }

    /** Boolean mask as float32 0/1. */
    public static NDArray asFloat(NDArray mask) {
        return mask.toType(DataType.FLOAT32, false);
    }

    /**
     * A value equal to {@code value} whose gradient is that of {@code surrogate}: the
     * straight-through construction {@code value + (s - stopGradient(s))}, exact in the forward
     * pass because {@code s - s} is exactly zero.
     */
    public static NDArray straightThrough(NDArray value, NDArray surrogate) {
        return value.stopGradient().add(surrogate.sub(surrogate.stopGradient()));
    }
}
