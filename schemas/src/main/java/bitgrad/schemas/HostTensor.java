package bitgrad.schemas;

import java.util.Arrays;
import java.util.Objects;

/**
 * A dense float32 tensor on the Java heap: a name, a shape and its row-major values.
 *
 * <p>This is the currency between stages: parameters, gradients and data slices travel as
 * host tensors, so no native (DJL) handle ever outlives the computation that made it.
 *
 * @param name identifies the tensor inside its {@link ParamSet} (e.g. {@code layer0.weight})
 * @param shape the dimensions, outermost first; {@code data.length} equals their product
 * @param data the values in row-major order
 */
public record HostTensor(String name, long[] shape, float[] data) {

    public HostTensor {
        Objects.requireNonNull(name, "name");
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape)
                    + " holds " + n + " values, data has " + data.length);
        }
    }

    /** Number of elements. */
    public int size() {
        return data.length;
    }

    /** A defensive copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** A tensor of the same name and shape holding {@code values}. */
    public HostTensor withData(float[] values) {
        return new HostTensor(name, shape, values);
    }

    /** True when names, shapes and every value (bit for bit) agree. */
    public boolean contentEquals(HostTensor other) {
        return name.equals(other.name) && Arrays.equals(shape, other.shape) && Arrays.equals(data, other.data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HostTensor t && contentEquals(t);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "HostTensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
