package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.estimators.Autograd;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Forward values and backward pseudo-derivatives of every quantizer at chosen points (science.md §2). */
class QuantizerTest {

    static final float[] X = {-2f, -1f, -0.5f, -0.3f, 0f, 0.3f, 0.5f, 1f, 2f};
    static NDManager manager;

    @BeforeAll
    static void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static float[] forward(String q) {
        return Quantizer.parse(q).forward(manager.create(X)).toFloatArray();
    }

    private static float[] backward(String q) {
        return Quantizer.parse(q).pseudoDerivative(manager.create(X)).toFloatArray();
    }

    /** The gradient autograd actually routes through {@link Quantizer#ste}: d/dx sum(ste(x)). */
    private static float[] steGradient(String q) {
        Quantizer quant = Quantizer.parse(q);
        ParamSet p = new ParamSet(List.of(new HostTensor("x", new long[] {X.length}, X)));
        return Autograd.gradientOf(p, params -> quant.ste(params.get(0)).sum())[0];
    }

    @Test
    void signMapsZeroToPlusOneAndClipsItsGradient() {
        assertArrayEquals(new float[] {-1, -1, -1, -1, 1, 1, 1, 1, 1}, forward("sign"));
        assertArrayEquals(new float[] {0, 1, 1, 1, 1, 1, 1, 1, 0}, backward("sign"));
        assertArrayEquals(backward("sign"), steGradient("sign"));
    }

    @Test
    void identitySteHasUnitGradientEverywhere() {
        assertArrayEquals(forward("sign"), forward("sign-ste"));
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, backward("sign-ste"));
        assertArrayEquals(backward("sign-ste"), steGradient("sign-ste"));
    }

    @Test
    void fullPrecisionIsTheIdentity() {
        assertArrayEquals(X, forward("identity"));
        assertArrayEquals(X, forward("fp"));
        assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, steGradient("identity"));
    }

    @Test
    void approxSignBackwardIsTwoMinusTwoAbsInsideTheUnitInterval() {
        assertArrayEquals(forward("sign"), forward("approxsign"));
        float[] expected = {0, 0, 1, 1.4f, 2, 1.4f, 1, 0, 0};
        assertArrayEquals(expected, backward("approxsign"), 1e-6f);
        assertArrayEquals(expected, steGradient("approxsign"), 1e-6f);
    }

    @Test
    void swishSignBackwardMatchesItsFormulaAndItsSurrogate() {
        float[] b = backward("swishsign");
        double beta = 5;
        for (int i = 0; i < X.length; i++) {
            double x = X[i];
            double expected = beta * (2 - beta * x * Math.tanh(beta * x / 2)) / (1 + Math.cosh(beta * x));
            assertEquals(expected, b[i], 1e-5, "at x=" + x);
        }
        assertEquals(5.0, b[4], 1e-6, "peak beta at 0");
        assertArrayEquals(b, steGradient("swishsign"), 1e-4f);
        assertArrayEquals(forward("sign"), forward("swishsign:3"));
    }

    @Test
    void ternaryHasADeadZoneAndClippedBackward() {
        assertArrayEquals(new float[] {-1, -1, 0, 0, 0, 0, 0, 1, 1}, forward("ternary"));
        assertArrayEquals(new float[] {-1, -1, -1, -1, 0, 1, 1, 1, 1}, forward("ternary:0.25"));
        assertArrayEquals(new float[] {0, 1, 1, 1, 1, 1, 1, 1, 0}, steGradient("ternary"));
    }

    @Test
    void twoBitHasFourEvenlySpacedLevels() {
        float t = 1f / 3;
        assertArrayEquals(new float[] {-1, -1, -t, -t, t, t, t, 1, 1}, forward("2bit"), 1e-6f);
        assertArrayEquals(new float[] {0, 1, 1, 1, 1, 1, 1, 1, 0}, steGradient("2bit"));
        NDArray many = manager.create(HostRandom.uniform(1, 10_000, -3, 3), new Shape(10_000));
        float[] v = Quantizer.parse("kbit:3").forward(many).toFloatArray();
        java.util.Set<Float> levels = new java.util.TreeSet<>();
        for (float f : v) {
            levels.add(Math.round(f * 7e4f) / 7e4f);
        }
        assertEquals(8, levels.size(), "3 bits give 8 levels: " + levels);
    }

    /**
     * Delta CDG asks {@link Quantizer#apply} on the host what the engine's forward gives: equal to the
     * bit (so +0, never -0) at every threshold, its float neighbours, +-0, the smallest subnormals,
     * large values and random ones, for every quantizer; the host loops' batched
     * {@link Quantizer#applyEach} too (a range of the array, the rest left as it was).
     */
    @Test
    void hostApplyEqualsTheEngineToTheBit() {
        for (String name : new String[] {"identity", "sign", "sign-ste", "approxsign", "swishsign", "ternary",
                "ternary:0.25", "ternary:0.7", "ternary:1e-30", "kbit:1", "2bit", "kbit:3", "kbit:4", "kbit:5", "kbit:8"}) {
            Quantizer q = Quantizer.parse(name);
            List<Float> xs = new ArrayList<>(List.of(0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE,
                    1f, -1f, 1e30f, -1e30f, 3e-39f, -3e-39f));
            for (double t : q.thresholds()) {
                float f = (float) t;
                for (float v : new float[] {f, Math.nextUp(f), Math.nextDown(f), -f, Math.nextUp(-f), Math.nextDown(-f)}) {
                    xs.add(v);
                }
            }
            for (float v : HostRandom.uniform(7, 4000, -2, 2)) {
                xs.add(v);
            }
            float[] x = new float[xs.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = xs.get(i);
            }
            float[] engine = q.forward(manager.create(x)).toFloatArray();
            float[] each = new float[x.length];
            each[0] = 42f;
            each[x.length - 1] = 42f;
            q.applyEach(x, each, 1, x.length - 1);
            assertEquals(42f, each[0], name + ": applyEach wrote before from");
            assertEquals(42f, each[x.length - 1], name + ": applyEach wrote at to");
            for (int i = 0; i < x.length; i++) {
                float host = q.apply(x[i]);
                assertEquals(Float.floatToIntBits(engine[i]), Float.floatToIntBits(host), name + " at " + x[i]);
                if (i > 0 && i < x.length - 1) {
                    assertEquals(Float.floatToIntBits(engine[i]), Float.floatToIntBits(each[i]), name + " applyEach at " + x[i]);
                }
            }
        }
    }

    @Test
    void badNamesAndParametersAreRejectedWithAMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantizer.parse("relu"));
        assertEquals(true, e.getMessage().contains("unknown activation 'relu'"));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.parse("swishsign:-1"));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.parse("ternary:abc"));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.parse("sign:2"));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.parse("kbit:0"));
    }

    @Test
    void namesRoundTrip() {
        for (String s : new String[] {"identity", "sign", "sign-ste", "approxsign", "swishsign:5", "swishsign:2.5",
                "ternary:0.5", "2bit", "kbit:3"}) {
            assertEquals(s, Quantizer.parse(Quantizer.parse(s).name()).name());
        }
    }
}
