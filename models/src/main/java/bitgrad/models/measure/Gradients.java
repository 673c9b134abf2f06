package bitgrad.models.measure;

import bitgrad.schemas.ParamSet;

/** Normalisation and cosine similarity of gradient estimates (science.md §4), in double precision. */
public final class Gradients {

    private Gradients() {
    }

    /** How an estimate is scaled to unit length. */
    public enum Norm {
        /** Each tensor to unit L2 norm (as in the researchers' notes). */
        PER_TENSOR,
        /** All tensors together to unit L2 norm. */
        GLOBAL
    }

    /** {@code g} scaled to unit L2 norm per tensor or globally; zero tensors stay zero. */
    public static ParamSet normalize(ParamSet g, Norm norm) {
        if (norm == Norm.GLOBAL) {
            double n = Math.sqrt(dot(g.flatten(), g.flatten()));
            return g.map(t -> scale(g.get(t).data(), n));
        }
        return g.map(t -> {
            float[] d = g.get(t).data();
            return scale(d, Math.sqrt(dot(d, d)));
        });
    }

    /** Cosine similarity over all tensors together. */
    public static double cosine(ParamSet a, ParamSet b) {
        return cosine(a.flatten(), b.flatten());
    }

    /** Cosine similarity of each tensor pair. */
    public static double[] cosinePerTensor(ParamSet a, ParamSet b) {
        double[] out = new double[a.count()];
        for (int t = 0; t < out.length; t++) {
            out[t] = cosine(a.get(t).data(), b.get(t).data());
        }
        return out;
    }

    /** Cosine similarity of two vectors; 0 when either is zero. */
    public static double cosine(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("cosine of vectors of lengths " + a.length + " and " + b.length);
        }
        double na = Math.sqrt(dot(a, a));
        double nb = Math.sqrt(dot(b, b));
        return na == 0 || nb == 0 ? 0 : dot(a, b) / (na * nb);
    }

    /** Inner product in double precision. */
    public static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static float[] scale(float[] d, double norm) {
        float[] out = new float[d.length];
        if (norm == 0 || !Double.isFinite(norm)) {
            return out;
        }
        for (int i = 0; i < d.length; i++) {
            out[i] = (float) (d[i] / norm);
        }
        return out;
    }
}
