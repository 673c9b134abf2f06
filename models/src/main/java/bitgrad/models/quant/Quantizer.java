package bitgrad.models.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import bitgrad.models.Nd;
import java.util.List;
import java.util.Locale;

/**
 * An activation quantizer: a forward value and the backward pseudo-derivative that STE uses
 * (science.md §2). {@code sign(0) = +1} everywhere.
 *
 * <p>{@link #forward} is the exact value; {@link #ste} has the same value and, under autograd,
 * the gradient {@link #pseudoDerivative}. Implementations differ only in their forward and
 * in a surrogate function whose true derivative is the pseudo-derivative.
 *
 * <p>A new quantizer is a class implementing this interface plus a {@link Family} named in
 * {@code META-INF/services/bitgrad.models.quant.Quantizer$Family}: {@link #parse} then knows its name, and every experiment,
 * estimator (delta CDG levels values through {@link #applyEach} and {@link #thresholds}) and table takes it by that name.
 *
 * <p>Over 400 lines because the built-in quantizers are small records kept beside their interface, so their forward and
 * backward pairs read as one table (docs/science.md §2).
 */
public interface Quantizer {

    /** Canonical name, parseable by {@link #parse}. */
    String name();

    /** Exact forward value, elementwise, same shape as {@code x}. */
    NDArray forward(NDArray x);

    /**
     * {@link #forward}, allowed to overwrite {@code x} with the result (the sign quantizers do: one
     * in-place pass instead of three allocating ones). Only for arrays the caller owns and no
     * gradient flows through: the batched loss evaluations.
     */
    default NDArray forwardInPlace(NDArray x) {
        return forward(x);
    }

    /**
     * The forward value of one number, on the host, equal to {@link #forward} bit for bit (same
     * float operations, same ties): what delta-propagation CDG compares levels with.
     */
    float apply(float x);

    /**
     * {@code into[i] = apply(x[i])} for {@code from <= i < to}, to the bit. The host loops that
     * level many values at once (the line sweep, delta CDG) call this: one interface call per batch
     * instead of one per value. A run that mixes quantizer kinds in one JVM makes a per-value
     * {@code apply} call site megamorphic (a virtual call per value, never inlined), so each kind
     * those loops meet overrides this with the same loop over its own {@code apply}, which the
     * compiler then inlines.
     */
    default void applyEach(float[] x, float[] into, int from, int to) {
        for (int i = from; i < to; i++) {
            into[i] = apply(x[i]);
        }
    }

    /**
     * The inputs where the forward value jumps from one level to the next (none for the identity):
     * a perturbation of a pre-activation can change the output only by crossing one of them.
     */
    default double[] thresholds() {
        return new double[] {0};
    }

    /** A function whose derivative is the pseudo-derivative (used to route STE gradients). */
    NDArray surrogate(NDArray x);

    /** The backward pseudo-derivative d/dx at {@code x}, elementwise (the table in science.md §2). */
    NDArray pseudoDerivative(NDArray x);

    /** True for the full-precision identity (no quantization at all). */
    default boolean fullPrecision() {
        return false;
    }

    /** Forward value with the STE gradient attached. */
    default NDArray ste(NDArray x) {
        if (fullPrecision()) {
            return x;
        }
        return Nd.straightThrough(forward(x.stopGradient()), surrogate(x));
    }

    /** The four binary activations: forward {@code sign(x)} with {@code sign(0) = +1}; they differ in their backward. */
    sealed interface Sign extends Quantizer {
        @Override
        default NDArray forward(NDArray x) {
            return Nd.signPm1(x);
        }

        @Override
        default NDArray forwardInPlace(NDArray x) {
            return Nd.signPm1InPlace(x);
        }

        /**
         * {@code x >= 0 ? 1 : -1} without a branch ({@code x + 0} turns -0 into +0): delta CDG asks this
         * for rows near 0, where a branch is a coin flip the processor mispredicts half the time.
         */
        @Override
        default float apply(float x) {
            return signOf(x);
        }

        @Override
        default void applyEach(float[] x, float[] into, int from, int to) {
            for (int i = from; i < to; i++) {
                into[i] = signOf(x[i]);
            }
        }

        private static float signOf(float x) {
            return Math.copySign(1f, x + 0f);
        }
    }

    /** A quantizer family plugged in through {@link java.util.ServiceLoader}: its name and how it reads its parameter. */
    interface Family {
        /** The name before the colon in a quantizer spec ({@code shifted-sign} in {@code shifted-sign:0.1}). */
        String name();

        /**
         * The quantizer of {@code arg} (null without a colon); its {@link Quantizer#name} must parse back to an equal one.
         *
         * @throws IllegalArgumentException with a one-line message for a bad parameter
         */
        Quantizer parse(String arg);
    }

    /** The names {@link #parse} accepts, for help texts and errors. */
    static List<String> names() {
        List<String> out = new java.util.ArrayList<>(List.of("identity (alias fp)", "sign (clipped STE, alias binary)",
                "sign-ste (identity STE)", "approxsign", "swishsign[:beta] (beta 5)", "ternary[:threshold] (0.5)", "2bit | kbit:K"));
        Families.ALL.keySet().forEach(out::add);
        return out;
    }

    /** The plugged-in families by name, loaded once. */
    final class Families {
        static final java.util.Map<String, Family> ALL = new java.util.TreeMap<>();

        static {
            for (Family f : java.util.ServiceLoader.load(Family.class)) {
                ALL.putIfAbsent(f.name().toLowerCase(Locale.ROOT), f);
            }
        }

        private Families() {
        }
    }

    /**
     * Parses a quantizer name such as {@code sign}, {@code swishsign:5} or {@code kbit:3}.
     *
     * @throws IllegalArgumentException with a one-line message for unknown names or bad parameters
     */
    static Quantizer parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        String name = s;
        String arg = null;
        int colon = s.indexOf(':');
        if (colon >= 0) {
            name = s.substring(0, colon);
            arg = s.substring(colon + 1);
        }
        return switch (name) {
            case "identity", "fp" -> noArg(arg, spec, new FullPrecision());
            case "sign", "binary", "clipped", "sign-clipped" -> noArg(arg, spec, new SignClipped());
            case "sign-ste", "identity-ste" -> noArg(arg, spec, new SignIdentity());
            case "approxsign" -> noArg(arg, spec, new ApproxSign());
            case "swishsign" -> new SwishSign(arg == null ? 5.0 : number(arg, spec));
            case "ternary" -> new Ternary(arg == null ? 0.5 : number(arg, spec));
            case "2bit" -> noArg(arg, spec, new KBit(2));
            case "kbit" -> new KBit(arg == null ? 2 : (int) number(arg, spec));
            default -> {
                Family f = Families.ALL.get(name);
                if (f != null) {
                    yield f.parse(arg);
                }
                throw new IllegalArgumentException("unknown activation '" + spec + "'; known: "
                    + String.join(", ", names()));
            }
        };
    }

    private static Quantizer noArg(String arg, String spec, Quantizer q) {
        if (arg != null) {
            throw new IllegalArgumentException("activation '" + spec + "' takes no parameter");
        }
        return q;
    }

    private static double number(String arg, String spec) {
        try {
            return Double.parseDouble(arg);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("activation '" + spec + "': '" + arg + "' is not a number");
        }
    }

    /** Full precision: forward x, backward 1. */
    record FullPrecision() implements Quantizer {
        @Override
        public String name() {
            return "identity";
        }

        @Override
        public boolean fullPrecision() {
            return true;
        }

        @Override
        public NDArray forward(NDArray x) {
            return x;
        }

        @Override
        public float apply(float x) {
            return x;
        }

        @Override
        public double[] thresholds() {
            return new double[0];
        }

        @Override
        public NDArray surrogate(NDArray x) {
            return x;
        }

        @Override
        public NDArray pseudoDerivative(NDArray x) {
            return x.onesLike();
        }
    }

    /** Identity STE: forward sign(x), backward 1. */
    record SignIdentity() implements Sign {
        @Override
        public String name() {
            return "sign-ste";
        }

        @Override
        public NDArray surrogate(NDArray x) {
            return x;
        }

        @Override
        public NDArray pseudoDerivative(NDArray x) {
            return x.onesLike();
        }
    }

    /** Clipped STE (the default binary activation): forward sign(x), backward 1 if |x| <= 1. */
    record SignClipped() implements Sign {
        @Override
        public String name() {
            return "sign";
        }

        @Override
        public NDArray surrogate(NDArray x) {
            return x.clip(-1, 1);
        }

        @Override
        public NDArray pseudoDerivative(NDArray x) {
            return Nd.asFloat(x.abs().lte(1));
        }
    }

    /** ApproxSign (Bi-Real Net): forward sign(x), backward 2 - 2|x| on |x| <= 1. */
    record ApproxSign() implements Sign {
        @Override
        public String name() {
            return "approxsign";
        }

        /** 2c - c|c| with c = clip(x, -1, 1); its derivative is (2 - 2|x|) inside, 0 outside. */
        @Override
        public NDArray surrogate(NDArray x) {
            NDArray c = x.clip(-1, 1);
            return Nd.mul(c, 2).sub(c.mul(c.abs()));
        }

        @Override
        public NDArray pseudoDerivative(NDArray x) {
            NDArray a = x.abs();
            return Nd.mul(a, -2).add(2).mul(Nd.asFloat(a.lte(1)));
        }
    }

    /**
     * SwishSign (BNN+): forward sign(x), backward
     * {@code beta (2 - beta x tanh(beta x / 2)) / (1 + cosh(beta x))}.
     *
     * @param beta sharpness; 5 by default
     */
    record SwishSign(double beta) implements Sign {
        public SwishSign {
            if (!(beta > 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("swishsign beta must be a positive number, got " + beta);
            }
        }

        @Override
        public String name() {
            return "swishsign:" + fmt(beta);
        }

        /** SS(x) = 2 s(bx) (1 + bx (1 - s(bx))) - 1 with s the logistic sigmoid. */
        @Override
        public NDArray surrogate(NDArray x) {
            NDArray bx = Nd.mul(x, beta);
            NDArray s = Activation.sigmoid(bx);
            return Nd.mul(s, 2).mul(bx.mul(s.neg().add(1)).add(1)).sub(1);
        }

        @Override
        public NDArray pseudoDerivative(NDArray x) {
            NDArray bx = Nd.mul(x, beta);
            NDArray num = Nd.mul(bx.mul(Nd.div(bx, 2).tanh()).neg().add(2), beta);
            return num.div(bx.cosh().add(1));
        }
    }

    /**
     * Ternary: forward {-1, 0, +1} with 0 where |clip(x, -1, 1)| <= threshold; clipped backward.
     *
     * @param threshold the dead-zone half-width, in (0, 1); 0.5 by default
     */
    record Ternary(double threshold) implements Quantizer {
        public Ternary {
            if (!(threshold > 0 && threshold < 1)) {
                throw new IllegalArgumentException("ternary threshold must be in (0, 1), got " + threshold);
            }
        }

        @Override
        public String name() {
            return "ternary:" + fmt(threshold);
        }

        @Override
        public NDArray forward(NDArray x) {
            return Nd.asFloat(x.gt(threshold)).sub(Nd.asFloat(x.lt(-threshold)));
        }

        /**
         * At the default threshold 0.5, {@code clip(round(x), -1, 1)} in two passes instead of five:
         * rounding halves to even sends +-0.5 to 0, as the dead zone's closed ends require.
         */
        @Override
        public NDArray forwardInPlace(NDArray x) {
            return threshold == 0.5 ? x.round().clip(-1, 1) : forward(x);
        }

        /**
         * {@code (x > t ? 1 : 0) - (x < -t ? 1 : 0)} without a branch, to the bit: {@code |x| - t} is
         * positive exactly when {@code |x| > t} (float subtraction of distinct floats is never 0), and
         * any positive float times 2^200 is at least 1; {@code + 0} turns -0 into +0.
         */
        @Override
        public float apply(float x) {
            float over = Math.max(Math.abs(x) - (float) threshold, 0f);
            return Math.copySign(Math.min(over * 0x1p100f * 0x1p100f, 1f), x) + 0f;
        }

        /** {@link Quantizer#applyEach}'s loop, over this kind's own {@link #apply}. */
        @Override
        public void applyEach(float[] x, float[] into, int from, int to) {
            for (int i = from; i < to; i++) {
                into[i] = apply(x[i]);
            }
        }

        @Override
        public double[] thresholds() {
            return new double[] {-threshold, threshold};
        }

        @Override
        public NDArray surrogate(NDArray x) {
            return x.clip(-1, 1);
        }

        @Override
        public NDArray pseudoDerivative(NDArray x) {
            return Nd.asFloat(x.abs().lte(1));
        }
    }

    /**
     * Symmetric k-bit: {@code p = clip((x + 1) / 2, 0, 1)}, {@code q = round(p (2^k - 1)) / (2^k - 1)},
     * value {@code 2q - 1} (2^k levels evenly spaced in [-1, 1]); clipped backward.
     *
     * @param bits k, from 1 to 8
     */
    record KBit(int bits) implements Quantizer {
        public KBit {
            if (bits < 1 || bits > 8) {
                throw new IllegalArgumentException("kbit needs 1 to 8 bits, got " + bits);
            }
        }

        @Override
        public String name() {
            return bits == 2 ? "2bit" : "kbit:" + bits;
        }

        @Override
        public NDArray forward(NDArray x) {
            float levels = (1 << bits) - 1;
            NDArray p = Nd.div(x.add(1), 2).clip(0, 1);
            return Nd.mul(Nd.div(Nd.mul(p, levels).round(), levels), 2).sub(1);
        }

        /**
         * The same values to the bit in six passes instead of eight (two allocating instead of
         * eight): the level index {@code round(clip(x + 1, 0, 2) L/2)} ({@code /2} is exact, so
         * {@code ((x + 1)/2) L} and {@code (x + 1)(L/2)} round alike, and clipping before or after
         * halving cuts at the same points), then {@code k (2/L) - 1} where that equals
         * {@code (k/L) 2 - 1} for every level k (checked once per bit width), else the latter.
         */
        @Override
        public NDArray forwardInPlace(NDArray x) {
            float levels = (1 << bits) - 1;
            NDArray k = x.addi(1f).clip(0, 2).muli(levels / 2).round();
            return exactStep() ? k.muli(2f / levels).subi(1f) : k.divi(levels).muli(2f).subi(1f);
        }

        /** Whether {@code k * (2/L)} equals {@code (k / L) * 2} as floats for every level k. */
        private boolean exactStep() {
            return EXACT_STEP[bits];
        }

        private static final boolean[] EXACT_STEP = new boolean[9];

        static {
            for (int b = 1; b <= 8; b++) {
                float levels = (1 << b) - 1;
                boolean exact = true;
                for (int k = 0; k <= (int) levels; k++) {
                    exact &= k * (2f / levels) == k / levels * 2f;
                }
                EXACT_STEP[b] = exact;
            }
        }

        @Override
        public float apply(float x) {
            float levels = (1 << bits) - 1;
            float p = Math.min(Math.max((x + 1f) / 2f, 0f), 1f);
            return (float) Math.rint(p * levels) / levels * 2f - 1f;
        }

        /** {@link Quantizer#applyEach}'s loop, over this kind's own {@link #apply}. */
        @Override
        public void applyEach(float[] x, float[] into, int from, int to) {
            for (int i = from; i < to; i++) {
                into[i] = apply(x[i]);
            }
        }

        @Override
        public double[] thresholds() {
            int levels = (1 << bits) - 1;
            double[] t = new double[levels];
            for (int k = 0; k < levels; k++) {
                t[k] = 2.0 * (k + 0.5) / levels - 1;
            }
            return t;
        }

        @Override
        public NDArray surrogate(NDArray x) {
            return x.clip(-1, 1);
        }

        @Override
        public NDArray pseudoDerivative(NDArray x) {
            return Nd.asFloat(x.abs().lte(1));
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
