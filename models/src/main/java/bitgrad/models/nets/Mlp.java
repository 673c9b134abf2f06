package bitgrad.models.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import bitgrad.models.HostRandom;
import bitgrad.models.Nd;
import bitgrad.models.Seeds;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The toy MLP of science.md §1 as pure functions of its weights.
 *
 * <p>Every function accepts weights either as {@code (out, in)} matrices or stacked with a
 * leading copy axis {@code (C, out, in)}; inputs are {@code (B, in)} or {@code (C, B, in)}. A
 * stacked evaluation runs C differently-perturbed networks in one batched matmul per layer.
 */
public final class Mlp {

    private Mlp() {
    }

    /** Name of layer {@code l}'s weight tensor. */
    public static String weightName(int l) {
        return "layer" + l + ".weight";
    }

    /**
     * Fresh weights, uniform on {@code (-1/sqrt(fan_in), 1/sqrt(fan_in))} (the common framework
     * default), layer {@code l} drawn from {@code derive(seed, "layer", l)}.
     */
    public static ParamSet init(MlpSpec spec, long seed) {
        List<HostTensor> ts = new ArrayList<>();
        for (int l = 0; l < spec.layers(); l++) {
            long[] shape = spec.weightShape(l);
            double bound = 1.0 / Math.sqrt(shape[1]);
            float[] w = HostRandom.uniform(Seeds.derive(seed, "layer", l), Math.toIntExact(shape[0] * shape[1]), -bound, bound);
            ts.add(new HostTensor(weightName(l), shape, w));
        }
        return new ParamSet(ts);
    }

    /**
     * One Linear layer, {@code h @ W^T}, for {@code h (.., B, in)} and {@code W (.., out, in)}:
     * shape {@code (.., B, out)}. With binary weights the layer multiplies with the XNOR
     * binarisation {@code sign(W) * mean(|W|)} per output row, computed as
     * {@code (h @ sign(W)^T) * alpha} so that, on binary inputs, the sums are exact integers
     * whatever the summation order. With {@code straightThrough} the binarised layer passes the
     * identity gradient to {@code W} (its value is unchanged).
     */
    public static NDArray linear(MlpSpec spec, NDArray h, NDArray w, boolean straightThrough) {
        if (!spec.binaryWeights()) {
            return h.matMul(Nd.transposeLast2(w));
        }
        NDArray wd = w.stopGradient();
        NDArray z = h.matMul(Nd.transposeLast2(Nd.signPm1(wd))).mul(Nd.transposeLast2(rowScale(wd)));
        return straightThrough ? z.add(h.matMul(Nd.transposeLast2(w.sub(wd)))) : z;
    }

    /** The XNOR scale of each output row, {@code mean(|W|)} over the last axis: {@code (.., out, 1)}. */
    public static NDArray rowScale(NDArray w) {
        return w.abs().mean(new int[] {-1}, true);
    }

    /**
     * Runs layers {@code from..} on {@code h}, the input of layer {@code from}.
     *
     * @return the network output, {@code (.., B, 1)}
     */
    public static NDArray forwardFrom(MlpSpec spec, NDList weights, int from, NDArray h, Forward mode) {
        for (int l = from; l < spec.layers(); l++) {
            h = linear(spec, h, weights.get(l), mode.straightThrough());
            if (l < spec.depth()) {
                h = mode.activate(spec.activation(), l, h);
            }
        }
        return h;
    }

    /** Full forward pass: {@code x (.., B, dim)} to the output {@code (.., B, 1)}. */
    public static NDArray forward(MlpSpec spec, NDList weights, NDArray x, Forward mode) {
        return forwardFrom(spec, weights, 0, x, mode);
    }

    /** The input of layer {@code layer} (the activations before it), exact forward. */
    public static NDArray prefix(MlpSpec spec, NDList weights, NDArray x, int layer) {
        NDArray h = x;
        for (int l = 0; l < layer; l++) {
            h = spec.activation().forward(linear(spec, h, weights.get(l), false));
        }
        return h;
    }
}
