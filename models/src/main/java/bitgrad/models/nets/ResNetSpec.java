package bitgrad.models.nets;

import bitgrad.models.quant.Quantizer;

/**
 * Shape of the thin XNOR-ResNet-18 (science.md §5.3): an FP 3x3 stem conv to
 * {@code channels}, four stages of two basic blocks (widths {@code channels * 2^stage}, stride 2
 * at the first block of stages 2-4), global average pooling and an FP classifier. Each block's
 * two 3x3 convs are the 16 binary convs, numbered 1..16 for users ({@code conv0..conv15}
 * inside): their input is the binary activation, their weights FP or XNOR-binarised. Shortcuts
 * that change shape are FP 1x1 convs with batch norm.
 *
 * @param channels first-stage width, >= 1
 * @param activation quantizer applied to every binary conv's input
 * @param binaryWeights binarise the block convs' weights ({@code sign(W) * mean|W|} per output channel)
 */
public record ResNetSpec(int channels, Quantizer activation, boolean binaryWeights) {

    /** Basic blocks. */
    public static final int BLOCKS = 8;
    /** Binary 3x3 convs (two per block). */
    public static final int BINARY_CONVS = 2 * BLOCKS;
    /** Output classes. */
    public static final int CLASSES = 10;
    /** Input side length (CIFAR). */
    public static final int SIDE = 32;

    public ResNetSpec {
        if (channels < 1) {
            throw new IllegalArgumentException("resnet channels must be >= 1, got " + channels);
        }
    }

    /** Width of block {@code b}'s output. */
    public int width(int block) {
        return channels << (block / 2);
    }

    /** Input width of block {@code b}. */
    public int inWidth(int block) {
        return block == 0 ? channels : width(block - 1);
    }

    /** Stride of block {@code b}'s first conv (and of its shortcut). */
    public static int stride(int block) {
        return block > 0 && block % 2 == 0 ? 2 : 1;
    }

    /** True when block {@code b} changes shape and so has a 1x1 conv shortcut. */
    public static boolean downsamples(int block) {
        return stride(block) == 2;
    }

    /** Weight shape {@code (out, in, 3, 3)} of binary conv {@code j} (0-based). */
    public long[] convShape(int j) {
        int b = j / 2;
        return new long[] {width(b), j % 2 == 0 ? inWidth(b) : width(b), 3, 3};
    }

    /** Spatial side of binary conv {@code j}'s output. */
    public static int outSide(int j) {
        return SIDE >> ((j / 2) / 2);
    }
}
