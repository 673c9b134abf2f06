package bitgrad.pipelines.extending;

import ai.djl.ndarray.NDArray;
import bitgrad.models.Nd;
import bitgrad.models.quant.Quantizer;
import java.util.Locale;

/**
 * A quantizer plugged in from outside {@code models/} (the README's worked example): {@code sign(x - shift)} with
 * {@code sign(0) = +1}, the clipped STE around the shifted threshold. Its family is one line in
 * {@code META-INF/services/bitgrad.models.quant.Quantizer$Family}; experiments then name it {@code shifted-sign:0.1}.
 *
 * @param shift where the output jumps from -1 to +1
 */
public record ShiftedSign(float shift) implements Quantizer {

    /** The family: its name and how it reads its parameter. */
    public static final class Family implements Quantizer.Family {
        @Override
        public String name() {
            return "shifted-sign";
        }

        @Override
        public Quantizer parse(String arg) {
            try {
                return new ShiftedSign(arg == null ? 0.1f : Float.parseFloat(arg));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("activation 'shifted-sign:" + arg + "': '" + arg + "' is not a number");
            }
        }
    }

    @Override
    public String name() {
        return String.format(Locale.ROOT, "shifted-sign:%s", shift);
    }

    @Override
    public NDArray forward(NDArray x) {
        return Nd.signPm1(x.sub(shift));
    }

    @Override
    public float apply(float x) {
        // the same float subtraction as forward, then sign with sign(0) = +1
        return x - shift >= 0 ? 1f : -1f;
    }

    @Override
    public double[] thresholds() {
        return new double[] {shift};
    }

    @Override
    public NDArray surrogate(NDArray x) {
        return x.sub(shift).clip(-1, 1);
    }

    @Override
    public NDArray pseudoDerivative(NDArray x) {
        return Nd.asFloat(x.sub(shift).abs().lte(1));
    }
}
