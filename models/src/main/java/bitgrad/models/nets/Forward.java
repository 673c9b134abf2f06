package bitgrad.models.nets;

import ai.djl.ndarray.NDArray;
import bitgrad.models.quant.Quantizer;

/**
 * How a network evaluates its activations and quantized weights: exactly (for losses), with
 * straight-through gradients (for STE), or with stochastic rounding (for sr-STE).
 */
public sealed interface Forward {

    /** The exact forward pass: quantizer values, no gradient routing. */
    Forward EXACT = new Exact();

    /** Same values as {@link #EXACT}; under autograd, gradients follow the STE pseudo-derivatives. */
    Forward STE = new Ste();

    /** Activation after hidden layer {@code layer} applied to its pre-activation {@code z}. */
    NDArray activate(Quantizer q, int layer, NDArray z);

    /** True when weight binarisation should route gradients straight through. */
    boolean straightThrough();

    /** Exact values. */
    record Exact() implements Forward {
        @Override
        public NDArray activate(Quantizer q, int layer, NDArray z) {
            return q.forward(z);
        }

        @Override
        public boolean straightThrough() {
            return false;
        }
    }

    /** STE: exact values, pseudo-derivative gradients. */
    record Ste() implements Forward {
        @Override
        public NDArray activate(Quantizer q, int layer, NDArray z) {
            return q.ste(z);
        }

        @Override
        public boolean straightThrough() {
            return true;
        }
    }

    /**
     * Stochastic rounding of every hidden pre-activation (SPEC section 3, sr-STE).
     *
     * @param rounding temperature, gradient route and seed of this forward pass
     */
    record Stochastic(StochasticRounding rounding) implements Forward {
        @Override
        public NDArray activate(Quantizer q, int layer, NDArray z) {
            return rounding.apply(q, layer, z);
        }

        @Override
        public boolean straightThrough() {
            return true;
        }
    }
}
