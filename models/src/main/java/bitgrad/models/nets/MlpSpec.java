package bitgrad.models.nets;

import bitgrad.models.quant.Quantizer;

/**
 * Shape of the toy MLP (science.md §1): {@code depth} hidden layers {@code Linear(dim, dim)}
 * then {@code Linear(dim, 1)}, all without bias, with {@code activation} after every hidden layer.
 *
 * @param dim input and hidden width
 * @param depth number of hidden layers (0 makes a linear model)
 * @param activation the quantizer between layers
 * @param binaryWeights XNOR-style weights: {@code sign(W) * mean(|W|)} per output row
 */
public record MlpSpec(int dim, int depth, Quantizer activation, boolean binaryWeights) {

    public MlpSpec {
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be >= 1, got " + dim);
        }
        if (depth < 0) {
            throw new IllegalArgumentException("depth must be >= 0, got " + depth);
        }
    }

    /** Number of Linear layers (hidden layers plus the output layer). */
    public int layers() {
        return depth + 1;
    }

    /** Weight shape {@code (out, in)} of layer {@code l}. */
    public long[] weightShape(int l) {
        return l < depth ? new long[] {dim, dim} : new long[] {1, dim};
    }

    /** Total number of weights. */
    public long numel() {
        return (long) depth * dim * dim + dim;
    }

    /** The full-precision teacher of the same shape (identity activation, FP weights). */
    public MlpSpec teacher() {
        return new MlpSpec(dim, depth, new Quantizer.FullPrecision(), false);
    }

    /** Nominal FLOPs of layers {@code from..} for a batch of {@code batch} rows (2*B*in*out each). */
    public double flopsFrom(int from, long batch) {
        double f = 0;
        for (int l = from; l < layers(); l++) {
            long[] s = weightShape(l);
            f += 2.0 * batch * s[0] * s[1];
        }
        return f;
    }
}
