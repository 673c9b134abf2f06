package bitgrad.models.nets;

import bitgrad.models.objectives.Batch;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What each hidden layer's quantizer sees, and the option to put its input on the quantizer's
 * scale. The toy's pre-activations are not normalised (std about 0.58 in the first layer at the
 * default init), so the ternary quantizer's fixed +-0.5 thresholds put most outputs at zero;
 * BinaryDuo quantizes batch-normalised pre-activations. {@link #normalize} rescales each hidden
 * layer's weights so that its pre-activation has unit standard deviation on a batch, layer by
 * layer: a quantizer with thresholds scaled by that (frozen) std, or a batch normalisation
 * without learned affine whose statistics are frozen at the model's initialisation. Frozen, so
 * that every estimator differentiates one and the same function (a normalisation recomputed for
 * every perturbed copy would change the function each estimator sees, and CDG by delta
 * propagation would no longer be exact); the weights stay linear layers without bias, so
 * scaling them is the same as scaling their pre-activations.
 */
public final class QuantizerScale {

    private QuantizerScale() {
    }

    /**
     * {@code w} with hidden layer l's weights divided by the standard deviation of its
     * pre-activation on {@code batch}'s first slice (computed after the layers before it were
     * rescaled); the output layer unchanged. Full-precision activations are returned as they are.
     */
    public static ParamSet normalize(MlpSpec spec, ParamSet w, Batch batch) {
        if (spec.activation().fullPrecision()) {
            return w;
        }
        List<HostTensor> out = new ArrayList<>(w.tensors());
        float[] h = batch.slice(0);
        int rows = batch.rows(0);
        for (int l = 0; l < spec.depth(); l++) {
            float[] z = preActivation(spec, out.get(l), h, rows);
            double s = std(z);
            if (!(s > 0)) {
                throw new IllegalArgumentException("layer " + l + "'s pre-activation is constant on the batch: nothing to normalise");
            }
            HostTensor t = out.get(l);
            float[] scaled = t.data().clone();
            for (int i = 0; i < scaled.length; i++) {
                scaled[i] = (float) (scaled[i] / s);
            }
            out.set(l, new HostTensor(t.name(), t.shape(), scaled));
            h = levels(spec, preActivation(spec, out.get(l), h, rows));
        }
        return new ParamSet(out);
    }

    /**
     * Per hidden layer, the share of {@code batch}'s first slice's outputs at each level of the
     * quantizer (level value to share, ascending); empty for full-precision activations.
     */
    public static List<Map<Float, Double>> occupancy(MlpSpec spec, ParamSet w, Batch batch) {
        List<Map<Float, Double>> out = new ArrayList<>();
        if (spec.activation().fullPrecision()) {
            return out;
        }
        float[] h = batch.slice(0);
        int rows = batch.rows(0);
        for (int l = 0; l < spec.depth(); l++) {
            h = levels(spec, preActivation(spec, w.get(l), h, rows));
            Map<Float, Double> shares = new TreeMap<>();
            for (float v : h) {
                shares.merge(v, 1.0 / h.length, Double::sum);
            }
            out.add(shares);
        }
        return out;
    }

    /** Standard deviation of the pre-activation of each hidden layer on {@code batch}'s first slice, as the model stands. */
    public static double[] preActivationStd(MlpSpec spec, ParamSet w, Batch batch) {
        float[] h = batch.slice(0);
        int rows = batch.rows(0);
        double[] out = new double[spec.depth()];
        for (int l = 0; l < spec.depth(); l++) {
            float[] z = preActivation(spec, w.get(l), h, rows);
            out[l] = std(z);
            h = levels(spec, z);
        }
        return out;
    }

    /** {@code h W^T} on the host, {@code h} rows x in; binary weights as the layer uses them ({@code sign(W)} times the row's mean |W|). */
    static float[] preActivation(MlpSpec spec, HostTensor w, float[] h, int rows) {
        int outDim = (int) w.shape()[0];
        int in = (int) w.shape()[1];
        float[] wd = w.data();
        float[] eff = wd;
        if (spec.binaryWeights()) {
            eff = new float[wd.length];
            for (int o = 0; o < outDim; o++) {
                double mean = 0;
                for (int i = 0; i < in; i++) {
                    mean += Math.abs(wd[o * in + i]) / in;
                }
                for (int i = 0; i < in; i++) {
                    eff[o * in + i] = (float) ((wd[o * in + i] >= 0 ? 1 : -1) * mean);
                }
            }
        }
        float[] z = new float[rows * outDim];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < outDim; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += (double) h[r * in + i] * eff[o * in + i];
                }
                z[r * outDim + o] = (float) s;
            }
        }
        return z;
    }

    private static float[] levels(MlpSpec spec, float[] z) {
        float[] a = new float[z.length];
        spec.activation().applyEach(z, a, 0, z.length);
        return a;
    }

    private static double std(float[] z) {
        double m = 0;
        for (float v : z) {
            m += v / (double) z.length;
        }
        double ss = 0;
        for (float v : z) {
            ss += (v - m) * (v - m);
        }
        return Math.sqrt(ss / Math.max(1, z.length - 1));
    }
}
