package bitgrad.models.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import bitgrad.models.HostRandom;
import bitgrad.models.Nd;
import bitgrad.models.Seeds;
import bitgrad.models.quant.Quantizer;

/**
 * Stochastic rounding of a layer output {@code A} to {-1, +1} (science.md §3): scale A into
 * [-1, 1] (positive part by |max A|, negative part by |min A|), take {@code p = (A + 1) / 2},
 * draw a relaxed Bernoulli {@code y = sigmoid((logit p + log u - log(1 - u)) / tau)} with
 * {@code u ~ U(0, 1)}, and output {@code sign(y - 0.5)}.
 *
 * <p>The forward value is +1 with probability p whatever tau is; tau shapes the gradient. With
 * {@link Backward#QUANTIZER} (the sr-STE default, "STE-like forward and backward") the gradient is
 * the activation quantizer's own STE pseudo-derivative at A; with {@link Backward#RELAXED} it
 * flows through the relaxed sample {@code 2y - 1} (scales held constant).
 *
 * <p>Row r of layer l draws its uniforms from {@code derive(seed, l, rowOffset + r)}, so a row's
 * draws do not depend on how the batch is sliced. The scales come from {@code max}/{@code min}
 * (per layer, over the whole batch) when given, else from the slice at hand.
 *
 * @param tau temperature, > 0
 * @param backward gradient route
 * @param seed seed of this forward pass
 * @param rowOffset index in the whole batch of the slice's first row
 * @param max per hidden layer, the largest pre-activation over the whole batch (null: the slice's)
 * @param min per hidden layer, the smallest pre-activation over the whole batch (null: the slice's)
 * @param sampled the forward value is the stochastic sample; false: the quantizer's own
 *        deterministic forward, with the same backward (the factorial of science.md §3: with
 *        {@link Backward#QUANTIZER} this is plain STE)
 */
public record StochasticRounding(double tau, Backward backward, long seed, long rowOffset, float[] max, float[] min, boolean sampled) {

    /** Scales from each slice itself, rows numbered from 0 in every slice, the sampled forward. */
    public StochasticRounding(double tau, Backward backward, long seed) {
        this(tau, backward, seed, 0, null, null, true);
    }

    /** Clamp for p and u away from 0 and 1. */
    public static final float CLAMP = 1e-6f;

    /** The gradient route of sr-STE. */
    public enum Backward {
        /** Straight through the relaxed sample (temperature matters). */
        RELAXED,
        /** The quantizer's STE pseudo-derivative at the pre-activation. */
        QUANTIZER;

        /** The config word: {@code relaxed} or {@code quantizer}. */
        public String key() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The backward named by a config word (any case). */
        public static Backward parse(String word) {
            for (Backward b : values()) {
                if (b.key().equalsIgnoreCase(word)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("sr-STE backward must be relaxed or quantizer, got '" + word + "'");
        }
    }

    public StochasticRounding {
        if (!(tau > 0) || Double.isInfinite(tau)) {
            throw new IllegalArgumentException("temperature tau must be a positive number, got " + tau);
        }
    }

    /** Rounds pre-activation {@code z} of hidden layer {@code layer}. */
    public NDArray apply(Quantizer q, int layer, NDArray z) {
        NDArray a = z.stopGradient();
        float max = this.max != null ? this.max[layer] : a.max().getFloat();
        float min = this.min != null ? this.min[layer] : a.min().getFloat();
        float posScale = max > 0 ? 1f / max : 0f;
        float negScale = min < 0 ? 1f / -min : 0f;
        NDArray scaled = scaleTo(z, posScale, negScale);
        NDArray p = Nd.div(scaled.add(1), 2).clip(CLAMP, 1 - CLAMP);
        long[] shape = z.getShape().getShape();
        int width = (int) shape[shape.length - 1];
        int rows = Math.toIntExact(z.size() / width);
        float[] draws = new float[rows * width];
        long layerSeed = Seeds.derive(seed, (long) layer);
        for (int r = 0; r < rows; r++) {
            HostRandom.uniformInto(Seeds.derive(layerSeed, rowOffset + r), draws, r * width, width);
        }
        NDArray u = Nd.create(z.getManager(), draws, new Shape(shape)).clip(CLAMP, 1 - CLAMP);
        NDArray logits = p.log().sub(p.neg().add(1).log()).add(u.log()).sub(u.neg().add(1).log());
        NDArray y = Activation.sigmoid(Nd.div(logits, tau));
        NDArray hard = sampled ? Nd.signPm1(y.stopGradient().sub(0.5f)) : q.forward(a);
        NDArray surrogate = backward == Backward.RELAXED ? Nd.mul(y, 2).sub(1) : q.surrogate(z);
        return Nd.straightThrough(hard, surrogate);
    }

    /**
     * {@code |p - 0.5|} summed over the elements of pre-activation {@code z} of hidden layer
     * {@code layer} (how far from a coin flip the rounding is), with this rounding's scales.
     */
    public double sumAbsPOffset(int layer, NDArray z) {
        NDArray a = z.stopGradient();
        float max = this.max != null ? this.max[layer] : a.max().getFloat();
        float min = this.min != null ? this.min[layer] : a.min().getFloat();
        NDArray scaled = scaleTo(a, max > 0 ? 1f / max : 0f, min < 0 ? 1f / -min : 0f);
        // p - 0.5 = scaled / 2 before the clamp, which only moves p by 1e-6
        return scaled.abs().sum().getFloat() / 2.0;
    }

    /** Piecewise scaling; differentiable in z with the scales held constant. */
    private static NDArray scaleTo(NDArray z, float posScale, float negScale) {
        NDArray pos = Nd.mul(z.clip(0, Float.MAX_VALUE), posScale);
        NDArray neg = Nd.mul(z.clip(-Float.MAX_VALUE, 0), negScale);
        return pos.add(neg);
    }
}
