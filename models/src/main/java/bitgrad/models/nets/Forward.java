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
     * Stochastic STE backprop (science.md §6c): exact forward values; the backward
     * pseudo-derivative of every hidden unit is kept with probability {@code keep} and scaled by
     * {@code 1/keep} (dropped otherwise), so it is unbiased for the STE gradient.
     *
     * @param keep probability of keeping a unit's pseudo-derivative, in (0, 1]
     * @param seed layer {@code l} draws its mask from {@code derive(seed, l)}
     */
    record RandomBackward(double keep, long seed) implements Forward {
        @Override
        public NDArray activate(Quantizer q, int layer, NDArray z) {
            if (q.fullPrecision() && keep == 1) {
                return z;
            }
            float[] u = bitgrad.models.HostRandom.uniform(bitgrad.models.Seeds.derive(seed, layer), Math.toIntExact(z.size()), 0, 1);
            float[] mask = new float[u.length];
            for (int i = 0; i < u.length; i++) {
                mask[i] = u[i] < keep ? (float) (1 / keep) : 0f;
            }
            NDArray m = bitgrad.models.Nd.create(z.getManager(), mask, z.getShape());
            return bitgrad.models.Nd.straightThrough(q.forward(z.stopGradient()), q.surrogate(z).mul(m));
        }

        @Override
        public boolean straightThrough() {
            return true;
        }
    }

    /**
     * Stochastic rounding of every hidden pre-activation (science.md §3, sr-STE).
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
