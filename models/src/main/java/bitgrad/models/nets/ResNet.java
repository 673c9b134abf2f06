package bitgrad.models.nets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import bitgrad.models.HostRandom;
import bitgrad.models.Nd;
import bitgrad.models.Seeds;
import bitgrad.models.images.ImageSet;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The thin XNOR-ResNet-18 of {@link ResNetSpec} as pure functions of its parameters.
 *
 * <p>Block {@code b}: {@code y = bn(conv_{2b}(q(x))); y = bn(conv_{2b+1}(q(y))) + shortcut(x)},
 * with {@code q} the activation quantizer. Batch norm always normalises with the statistics
 * of the batch it sees (training mode; no running averages), so a loss is a function of the
 * weights and the batch only. Evaluations may stack {@code G} copies of a batch along the
 * batch axis ({@code (G*B, C, H, W)}); batch norm then normalises each copy over its own B
 * rows, so G perturbed networks run as one batched evaluation.
 */
public final class ResNet {

    private static final Shape ONE = new Shape(1, 1);
    private static final float BN_EPS = 1e-5f;

    private final ResNetSpec spec;
    private final List<String> names = new ArrayList<>();
    private final List<long[]> shapes = new ArrayList<>();
    private final Map<String, Integer> index = new HashMap<>();

    public ResNet(ResNetSpec spec) {
        this.spec = spec;
        int c = spec.channels();
        declare("stem.weight", c, 3, 3, 3);
        declareBn("stem.bn", c);
        for (int j = 0; j < ResNetSpec.BINARY_CONVS; j++) {
            declare(convName(j), spec.convShape(j));
            declareBn("bn" + j, spec.convShape(j)[0]);
            int b = j / 2;
            if (j % 2 == 1 && ResNetSpec.downsamples(b)) {
                declare("short" + b + ".weight", spec.width(b), spec.inWidth(b), 1, 1);
                declareBn("short" + b + ".bn", spec.width(b));
            }
        }
        declare("fc.weight", ResNetSpec.CLASSES, spec.width(ResNetSpec.BLOCKS - 1));
        declare("fc.bias", ResNetSpec.CLASSES);
    }

    private void declare(String name, long... shape) {
        index.put(name, names.size());
        names.add(name);
        shapes.add(shape);
    }

    private void declareBn(String prefix, long width) {
        declare(prefix + ".gamma", width);
        declare(prefix + ".beta", width);
    }

    /** The shape. */
    public ResNetSpec spec() {
        return spec;
    }

    /** Name of binary conv {@code j}'s weight (0-based; users count 1..16). */
    public static String convName(int j) {
        return "conv" + j + ".weight";
    }

    /** Position of tensor {@code name} in the parameter set. */
    public int indexOf(String name) {
        Integer i = index.get(name);
        if (i == null) {
            throw new IllegalArgumentException("the resnet has no parameter " + name);
        }
        return i;
    }

    /**
     * Fresh parameters: convs normal with std {@code sqrt(2 / fan_in)}, batch-norm scale 1 and
     * shift 0, classifier uniform on {@code +-1/sqrt(fan_in)}; tensor {@code t} from
     * {@code derive(seed, name)}.
     */
    public ParamSet init(long seed) {
        List<HostTensor> ts = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) {
            String name = names.get(t);
            long[] shape = shapes.get(t);
            int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
            float[] v;
            if (name.endsWith(".gamma")) {
                v = new float[n];
                Arrays.fill(v, 1f);
            } else if (name.endsWith(".beta") || name.equals("fc.bias")) {
                v = new float[n];
            } else if (name.equals("fc.weight")) {
                double bound = 1 / Math.sqrt(shape[1]);
                v = HostRandom.uniform(Seeds.derive(seed, name), n, -bound, bound);
            } else {
                double std = Math.sqrt(2.0 / (n / shape[0]));
                v = HostRandom.gaussian(Seeds.derive(seed, name), n);
                for (int i = 0; i < n; i++) {
                    v[i] *= (float) std;
                }
            }
            ts.add(new HostTensor(name, shape, v));
        }
        return new ParamSet(ts);
    }

    private NDArray p(NDList ps, String name) {
        return ps.get(indexOf(name));
    }

    /** A batch as arrays owned by {@code m}: images {@code (B, 3, 32, 32)} and one-hot labels {@code (B, 10)}. */
    public static NDList inputs(NDManager m, ImageSet batch) {
        return new NDList(Nd.create(m, batch.pixels(), new Shape(batch.count(), 3, ResNetSpec.SIDE, ResNetSpec.SIDE)),
                Nd.create(m, batch.oneHot(), new Shape(batch.count(), ResNetSpec.CLASSES)));
    }

    /** Class scores {@code (G*B, 10)} of {@code x (G*B, 3, 32, 32)}. */
    public NDArray logits(NDList ps, NDArray x, Forward mode, int groups) {
        NDArray h = stem(ps, x, mode, groups);
        for (int b = 0; b < ResNetSpec.BLOCKS; b++) {
            h = block(ps, b, h, mode, groups);
        }
        return head(ps, h);
    }

    /** Mean cross-entropy of the batch {@code x} with one-hot labels {@code (B, 10)}: a scalar. */
    public NDArray loss(NDList ps, NDArray x, NDArray oneHot, Forward mode) {
        return copyLosses(logits(ps, x, mode, 1), oneHot, 1).sum();
    }

    /** Mean cross-entropy of each of the {@code G} stacked copies: {@code (G)}. */
    public static NDArray copyLosses(NDArray logits, NDArray oneHot, int groups) {
        Shape s = oneHot.getShape();
        NDArray lp = logits.logSoftmax(-1).reshape(groups, s.get(0), s.get(1));
        return lp.mul(oneHot.expandDims(0)).sum(new int[] {2}).mean(new int[] {1}).neg();
    }

    NDArray stem(NDList ps, NDArray x, Forward mode, int groups) {
        NDArray h = conv(x, p(ps, "stem.weight"), 1, 1, mode.straightThrough());
        return bn(h, p(ps, "stem.bn.gamma"), p(ps, "stem.bn.beta"), groups);
    }

    NDArray block(NDList ps, int b, NDArray x, Forward mode, int groups) {
        NDArray y = bnOf(ps, 2 * b, binaryConv(ps, 2 * b, mode.activate(spec.activation(), 2 * b, x), mode), groups);
        y = bnOf(ps, 2 * b + 1, binaryConv(ps, 2 * b + 1, mode.activate(spec.activation(), 2 * b + 1, y), mode), groups);
        return y.add(shortcut(ps, b, x, mode, groups));
    }

    NDArray shortcut(NDList ps, int b, NDArray x, Forward mode, int groups) {
        if (!ResNetSpec.downsamples(b)) {
            return x;
        }
        NDArray s = conv(x, p(ps, "short" + b + ".weight"), ResNetSpec.stride(b), 0, mode.straightThrough());
        return bn(s, p(ps, "short" + b + ".bn.gamma"), p(ps, "short" + b + ".bn.beta"), groups);
    }

    NDArray head(NDList ps, NDArray h) {
        Shape s = h.getShape();
        NDArray pooled = h.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).mean(new int[] {2});
        return pooled.matMul(p(ps, "fc.weight").transpose()).add(p(ps, "fc.bias"));
    }

    private NDArray bnOf(NDList ps, int j, NDArray h, int groups) {
        return bn(h, p(ps, "bn" + j + ".gamma"), p(ps, "bn" + j + ".beta"), groups);
    }

    /** Binary conv {@code j} applied to its (already quantized) input {@code h}. */
    NDArray binaryConv(NDList ps, int j, NDArray h, Forward mode) {
        NDArray w = p(ps, convName(j));
        int stride = j % 2 == 0 ? ResNetSpec.stride(j / 2) : 1;
        if (!spec.binaryWeights()) {
            return conv(h, w, stride, 1, mode.straightThrough());
        }
        if (mode.straightThrough()) {
            NDArray wd = w.stopGradient();
            return conv(h, Nd.straightThrough(Nd.signPm1(wd).mul(filterScale(wd)), w), stride, 1, true);
        }
        return convWithFilters(h, w, stride);
    }

    /**
     * {@code h} convolved with {@code filters (K, Cin, 3, 3)} as this network's conv at
     * {@code stride} would (XNOR-binarised when the spec says so): {@code (N, K, H', W')}.
     */
    public NDArray convWithFilters(NDArray h, NDArray filters, int stride) {
        if (!spec.binaryWeights()) {
            return conv(h, filters, stride, 1, false);
        }
        NDArray scale = filterScale(filters).reshape(1, filters.getShape().get(0), 1, 1);
        return conv(h, Nd.signPm1(filters), stride, 1, false).mul(scale);
    }

    /** XNOR scale {@code mean|W|} of each output filter, shaped {@code (K, 1, 1, 1)}. */
    static NDArray filterScale(NDArray w) {
        Shape s = w.getShape();
        return w.abs().reshape(s.get(0), -1).mean(new int[] {1}, true).reshape(s.get(0), 1, 1, 1);
    }

    /**
     * 2-D convolution without bias. With {@code differentiable} it is computed as im2col and one
     * batched matmul, whose backward pass is matmul and slicing: found here, PyTorch 2.7.1's CPU
     * convolution backward intermittently returns NaN gradients on this machine (same inputs,
     * different runs; with one or two threads, with AVX-512 or AVX2 oneDNN kernels), while its
     * forward pass is always right and is used for every exact evaluation.
     */
    static NDArray conv(NDArray x, NDArray w, int stride, int pad, boolean differentiable) {
        if (!differentiable) {
            return Conv2d.conv2d(x, w, null, new Shape(stride, stride), new Shape(pad, pad), ONE, 1).singletonOrThrow();
        }
        Shape xs = x.getShape();
        Shape ws = w.getShape();
        int k = (int) ws.get(2);
        long hOut = (xs.get(2) + 2L * pad - k) / stride + 1;
        long wOut = (xs.get(3) + 2L * pad - k) / stride + 1;
        NDArray xp = pad == 0 ? x : x.pad(new Shape(pad, pad, pad, pad), 0);
        NDList shifts = new NDList(k * k);
        for (int dy = 0; dy < k; dy++) {
            for (int dx = 0; dx < k; dx++) {
                shifts.add(xp.get(new NDIndex(":, :, {}:{}:{}, {}:{}:{}", dy, dy + stride * (hOut - 1) + 1, stride, dx,
                        dx + stride * (wOut - 1) + 1, stride)));
            }
        }
        NDArray cols = NDArrays.stack(shifts, 2).reshape(xs.get(0), xs.get(1) * k * k, hOut * wOut);
        return w.reshape(ws.get(0), -1).matMul(cols).reshape(xs.get(0), ws.get(0), hOut, wOut);
    }

    /**
     * Batch norm of {@code (G*B, C, H, W)} with each of the G copies normalised over its own
     * batch, as one scale and shift per (copy, channel): {@code x * s + t} with
     * {@code s = gamma / sqrt(var + eps)}, {@code t = beta - mean * s}, {@code var = E[x^2] - E[x]^2}
     * (fewer passes over the activations, which bound the batched CDG's speed).
     */
    static NDArray bn(NDArray x, NDArray gamma, NDArray beta, int groups) {
        Shape s = x.getShape();
        long c = s.get(1);
        NDArray xg = x.reshape(groups, s.get(0) / groups, c, s.get(2), s.get(3));
        double n = (double) (s.get(0) / groups) * s.get(2) * s.get(3);
        int[] axes = {1, 3, 4};
        NDArray mean = Nd.div(xg.sum(axes, true), n);
        NDArray var = Nd.maximum(Nd.div(xg.square().sum(axes, true), n).sub(mean.square()), 0);
        NDArray scale = gamma.reshape(1, 1, c, 1, 1).div(Nd.add(var, BN_EPS).sqrt());
        NDArray shift = beta.reshape(1, 1, c, 1, 1).sub(mean.mul(scale));
        return xg.mul(scale).add(shift).reshape(s);
    }

    /**
     * What binary conv {@code j} sees, computed once for a CDG over its weights.
     *
     * @param convIn the conv's (quantized) input, {@code (B, Cin, H, W)}
     * @param shortcut the block's shortcut branch, {@code (B, Cout, H', W')}
     * @param output the conv's unperturbed output, {@code (B, Cout, H', W')}
     */
    public record Prefix(NDArray convIn, NDArray shortcut, NDArray output) {
    }

    /** The exact forward pass up to binary conv {@code j} on {@code x (B, 3, 32, 32)}. */
    public Prefix prefix(NDList ps, NDArray x, int j) {
        NDArray h = stem(ps, x, Forward.EXACT, 1);
        int b = j / 2;
        for (int i = 0; i < b; i++) {
            h = block(ps, i, h, Forward.EXACT, 1);
        }
        NDArray in = spec.activation().forward(h);
        if (j % 2 == 1) {
            in = spec.activation().forward(bnOf(ps, j - 1, binaryConv(ps, j - 1, in, Forward.EXACT), 1));
        }
        return new Prefix(in, shortcut(ps, b, h, Forward.EXACT, 1), binaryConv(ps, j, in, Forward.EXACT));
    }

    /** Stride of binary conv {@code j}. */
    public static int convStride(int j) {
        return j % 2 == 0 ? ResNetSpec.stride(j / 2) : 1;
    }

    /**
     * The exact forward pass from binary conv {@code j}'s output to the class scores, for
     * {@code G} stacked copies: {@code out (G*B, Cout, H', W')}, the shared {@code shortcut}
     * {@code (B, Cout, H', W')}; returns {@code (G*B, 10)}.
     */
    public NDArray suffix(NDList ps, int j, NDArray out, NDArray shortcut, int groups) {
        NDArray y = bnOf(ps, j, out, groups);
        if (j % 2 == 0) {
            y = bnOf(ps, j + 1, binaryConv(ps, j + 1, spec.activation().forward(y), Forward.EXACT), groups);
        }
        Shape s = y.getShape();
        NDArray h = y.reshape(groups, s.get(0) / groups, s.get(1), s.get(2), s.get(3)).add(shortcut.expandDims(0)).reshape(s);
        for (int b = j / 2 + 1; b < ResNetSpec.BLOCKS; b++) {
            h = block(ps, b, h, Forward.EXACT, groups);
        }
        return head(ps, h);
    }

    /** Floating-point operations of one forward pass of one image (convs and classifier, multiply-adds counted twice). */
    public double forwardFlops() {
        double f = 2.0 * 27 * spec.channels() * 32 * 32;
        for (int j = 0; j < ResNetSpec.BINARY_CONVS; j++) {
            f += convFlops(j);
        }
        return f + 2.0 * ResNetSpec.CLASSES * spec.width(ResNetSpec.BLOCKS - 1);
    }

    /** Floating-point operations of binary conv {@code j} on one image. */
    public double convFlops(int j) {
        long[] w = spec.convShape(j);
        int side = ResNetSpec.outSide(j);
        return 2.0 * w[0] * w[1] * 9 * side * side;
    }

    /** Floating-point operations of the suffix after binary conv {@code j} on one image. */
    public double suffixFlops(int j) {
        double f = 2.0 * ResNetSpec.CLASSES * spec.width(ResNetSpec.BLOCKS - 1);
        for (int i = j + 1; i < ResNetSpec.BINARY_CONVS; i++) {
            f += convFlops(i);
        }
        return f;
    }
}
