package bitgrad.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * An ordered list of named tensors: the parameters of a model, or one gradient estimate for
 * them (same names and shapes, one tensor per parameter tensor).
 *
 * @param tensors the tensors in model order
 */
public record ParamSet(List<HostTensor> tensors) {

    public ParamSet {
        tensors = List.copyOf(tensors);
    }

    /** Number of tensors. */
    public int count() {
        return tensors.size();
    }

    /** Tensor {@code i}. */
    public HostTensor get(int i) {
        return tensors.get(i);
    }

    /** Total number of scalar parameters over all tensors. */
    public long numel() {
        long n = 0;
        for (HostTensor t : tensors) {
            n += t.size();
        }
        return n;
    }

    /** All values concatenated in tensor order (a flat view for global norms and cosines). */
    public float[] flatten() {
        float[] out = new float[Math.toIntExact(numel())];
        int off = 0;
        for (HostTensor t : tensors) {
            System.arraycopy(t.data(), 0, out, off, t.size());
            off += t.size();
        }
        return out;
    }

    /** A parameter set with this one's names and shapes and the values {@code f(i)} for tensor i. */
    public ParamSet map(IntFunction<float[]> f) {
        List<HostTensor> out = new ArrayList<>(tensors.size());
        for (int i = 0; i < tensors.size(); i++) {
            out.add(tensors.get(i).withData(f.apply(i)));
        }
        return new ParamSet(out);
    }

    /** Zeros with this set's names and shapes. */
    public ParamSet zerosLike() {
        return map(i -> new float[tensors.get(i).size()]);
    }

    /** True when both sets hold the same names, shapes and bit-identical values. */
    public boolean contentEquals(ParamSet other) {
        if (other.count() != count()) {
            return false;
        }
        for (int i = 0; i < count(); i++) {
            if (!get(i).contentEquals(other.get(i))) {
                return false;
            }
        }
        return true;
    }
}
