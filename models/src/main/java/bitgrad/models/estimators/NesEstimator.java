package bitgrad.models.estimators;

import com.fasterxml.jackson.databind.node.ObjectNode;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import bitgrad.models.HostRandom;
import bitgrad.models.Nd;
import bitgrad.models.Seeds;
import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * NES, the Gaussian-smoothing evolution strategy (science.md §3). Direction k is
 * {@code u_k ~ N(0, I)} over all weights, drawn from {@code derive(seed, "nes", k)}, so
 * directions are regenerated rather than stored: samples stream through in chunks and 50 000
 * of them never need to be in memory at once.
 * <ul>
 *   <li>antithetic (default): {@code g = 1/N sum_k (L(w + s u_k) - L(w - s u_k)) / (2 s) u_k}</li>
 *   <li>one-sided: {@code g = 1/(N s) sum_k (L(w + s u_k) - b) u_k}, {@code b = L(w)} with a
 *       baseline, 0 without</li>
 *   <li>rank shaping: losses replaced by centred ranks in [-0.5, 0.5] (then the scale is arbitrary)</li>
 * </ul>
 *
 * @param sigma smoothing radius, > 0
 * @param samples N, number of directions, >= 1
 * @param antithetic evaluate {@code w - s u} too
 * @param baseline subtract {@code L(w)} (one-sided form only)
 * @param rankShaping use centred ranks instead of raw losses
 */
public record NesEstimator(double sigma, int samples, boolean antithetic, boolean baseline, boolean rankShaping)
        implements Estimator {

    public NesEstimator {
        if (!(sigma > 0) || Double.isInfinite(sigma)) {
            throw new IllegalArgumentException("NES sigma must be a positive number, got " + sigma);
        }
        if (samples < 1) {
            throw new IllegalArgumentException("NES samples must be >= 1, got " + samples);
        }
    }

    /** The default form: antithetic, no rank shaping. */
    public static NesEstimator antithetic(double sigma, int samples) {
        return new NesEstimator(sigma, samples, true, true, false);
    }

    @Override
    public String family() {
        return "nes";
    }

    @Override
    public ObjectNode toJson() {
        return Estimators.spec(family()).put("sigma", sigma).put("samples", samples).put("antithetic", antithetic)
                .put("baseline", baseline).put("rank_shaping", rankShaping);
    }

    @Override
    public java.util.List<String> sharedDraws() {
        return java.util.List.of("samples");
    }

    /** The form as a word: antithetic, one-sided or no-baseline. */
    public String mode() {
        return form().word();
    }

    @Override
    public Double perturbationNorm(long numel) {
        return sigma * Math.sqrt(numel);
    }

    @Override
    public String label() {
        return "nes(sigma=" + sigma + ",n=" + samples + (antithetic ? "" : baseline ? ",one-sided" : ",no-baseline")
                + (rankShaping ? ",ranks" : "") + ")";
    }

    /**
     * Every form draws the antithetic form's directions (the seed identity of {@code antithetic:
     * true, baseline: true}): one pass over {@code L(w + s u_k)}, {@code L(w - s u_k)} and {@code
     * L(w)} gives all three forms (see {@link #estimateShared}), and the forms are compared on
     * common draws.
     */
    @Override
    public String seedIdentity() {
        return new NesEstimator(sigma, samples, true, true, rankShaping).seedIdentityOfForm();
    }

    private String seedIdentityOfForm() {
        return Estimator.super.seedIdentity();
    }

    @Override
    public ParamSet estimate(Objective objective, long seed) {
        return rankShaping ? ranked(objective, seed) : estimateShared(objective, seed, List.of(this)).get(0);
    }

    /**
     * The estimates at the first {@code counts[0] < counts[1] < ...} samples of one seed's draws,
     * in one pass: each is the estimate this form would give with that many samples (the draws are
     * nested). Not with rank shaping, whose ranks depend on every sample.
     */
    public List<ParamSet> estimateNested(Objective objective, long seed, int[] counts) {
        if (rankShaping) {
            throw new IllegalArgumentException("nested NES estimates need raw losses, not ranks");
        }
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] < 1 || (i > 0 && counts[i] <= counts[i - 1])) {
                throw new IllegalArgumentException("nested NES sample counts must increase from 1, got " + Arrays.toString(counts));
            }
        }
        List<NesEstimator> forms = new ArrayList<>();
        for (int n : counts) {
            forms.add(new NesEstimator(sigma, n, antithetic, baseline, false));
        }
        return estimateShared(objective, seed, forms);
    }

    /**
     * The estimates of several forms and sample counts of one sigma, seeded alike, from one pass
     * over the largest count's directions: {@code L(w + s u_k)} for every form, {@code L(w - s
     * u_k)} once if any form is antithetic, {@code L(w)} once if any is one-sided with a baseline.
     * Each equals the estimate of that form alone ({@link #estimate}): a loss along a direction
     * does not depend on which others are evaluated beside it, and every form's sum runs over its
     * directions in order (tested in {@code NesSharedPassTest}).
     *
     * @param forms estimators of one sigma, none rank shaping
     * @return their estimates, in the order of {@code forms}
     */
    public static List<ParamSet> estimateShared(Objective objective, long seed, List<NesEstimator> forms) {
        if (forms.isEmpty()) {
            return List.of();
        }
        double sigma = forms.get(0).sigma();
        for (NesEstimator f : forms) {
            if (f.rankShaping() || f.sigma() != sigma) {
                throw new IllegalArgumentException("a shared NES pass takes forms of one sigma without rank shaping, got " + forms);
            }
        }
        int[] counts = forms.stream().mapToInt(NesEstimator::samples).distinct().sorted().toArray();
        int samples = counts[counts.length - 1];
        boolean minus = forms.stream().anyMatch(NesEstimator::antithetic);
        ParamSet point = objective.point();
        int numel = Math.toIntExact(point.numel());
        int chunk = chunk(objective, minus ? 2 : 1, samples, numel);
        // one sum per form present: antithetic, one-sided (baseline), no-baseline
        Form[] kinds = Form.values();
        double[][] acc = new double[kinds.length][];
        for (NesEstimator f : forms) {
            acc[f.form().ordinal()] = new double[numel];
        }
        ParamSet[] out = new ParamSet[forms.size()];
        int[] offsets = offsets(point);
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList params = Nd.toNd(m, point);
            double base = acc[Form.ONE_SIDED.ordinal()] != null ? objective.loss() : 0;
            bitgrad.models.TaskProgress progress = new bitgrad.models.TaskProgress(forms.size() == 1 ? forms.get(0).label()
                    : "nes(sigma=" + sigma + ", " + forms.size() + " estimates in one pass)", "samples", samples);
            int next = 0;
            for (int k0 = 0; k0 < samples; ) {
                int k = Math.min(chunk, counts[next] - k0); // chunks end at every checkpoint
                float[] u = directions(seed, k0, k, numel);
                float[] losses = evaluate(objective, params, point, u, k, sigma, minus);
                for (Form kind : kinds) {
                    if (acc[kind.ordinal()] != null) {
                        accumulate(acc[kind.ordinal()], u, k, i -> switch (kind) {
                            case ANTITHETIC -> ((double) losses[i] - losses[k + i]) / (2 * sigma);
                            case ONE_SIDED -> (losses[i] - base) / sigma;
                            case NO_BASELINE -> losses[i] / sigma;
                        });
                    }
                }
                k0 += k;
                progress.done(k0);
                if (k0 == counts[next]) {
                    for (int f = 0; f < forms.size(); f++) {
                        if (forms.get(f).samples() == k0) {
                            out[f] = mean(acc[forms.get(f).form().ordinal()], k0, point, offsets);
                        }
                    }
                    next++;
                }
            }
        }
        return List.of(out);
    }

    /** The three forms (a shared pass sums each separately), by the words configs and the CLI use. */
    public enum Form {
        ANTITHETIC("antithetic"), ONE_SIDED("one-sided"), NO_BASELINE("no-baseline");

        private final String word;

        Form(String word) {
            this.word = word;
        }

        /** The form's word: antithetic, one-sided or no-baseline. */
        public String word() {
            return word;
        }

        /** The form named {@code word}; an error listing the words otherwise. */
        public static Form parse(String word) {
            for (Form f : values()) {
                if (f.word.equals(word)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("NES forms are antithetic, one-sided or no-baseline, got '" + word + "'");
        }
    }

    /** The estimator of {@code form}. */
    public static NesEstimator of(double sigma, int samples, Form form, boolean rankShaping) {
        return new NesEstimator(sigma, samples, form == Form.ANTITHETIC, form != Form.NO_BASELINE, rankShaping);
    }

    /** This estimator's form. */
    public Form form() {
        return antithetic ? Form.ANTITHETIC : baseline ? Form.ONE_SIDED : Form.NO_BASELINE;
    }

    /** The rank-shaped estimate: every loss first, then their centred ranks weigh the directions. */
    private ParamSet ranked(Objective objective, long seed) {
        ParamSet point = objective.point();
        int evalsPer = antithetic ? 2 : 1;
        int numel = Math.toIntExact(point.numel());
        int chunk = chunk(objective, evalsPer, samples, numel);
        double[] acc = new double[numel];
        try (NDManager m = NDManager.newBaseManager(); NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDList params = Nd.toNd(m, point);
            float[] fitness = new float[samples * evalsPer];
            bitgrad.models.TaskProgress progress = new bitgrad.models.TaskProgress(label(), "samples", samples);
            for (int k0 = 0; k0 < samples; ) {
                int k = Math.min(chunk, samples - k0);
                float[] losses = evaluate(objective, params, point, directions(seed, k0, k, numel), k, sigma, antithetic);
                for (int i = 0; i < k; i++) {
                    fitness[(k0 + i) * evalsPer] = losses[i];
                    if (antithetic) {
                        fitness[(k0 + i) * evalsPer + 1] = losses[k + i];
                    }
                }
                k0 += k;
                progress.done(k0);
            }
            float[] ranks = centredRanks(fitness);
            for (int k0 = 0; k0 < samples; k0 += chunk) {
                int k = Math.min(chunk, samples - k0);
                int first = k0;
                float[] u = directions(seed, k0, k, numel);
                accumulate(acc, u, k, i -> antithetic
                        ? ((double) ranks[(first + i) * 2] - ranks[(first + i) * 2 + 1]) / (2 * sigma)
                        : ranks[first + i] / sigma);
            }
        }
        return mean(acc, samples, point, offsets(point));
    }

    /**
     * Directions per evaluation: the objective groups their copies itself, and shares work between
     * the directions of one call, so as many as a bounded host array holds.
     */
    private static int chunk(Objective objective, int evalsPer, int samples, int numel) {
        return (int) Math.max(Math.max(1, objective.copiesPerChunk() / evalsPer), Math.min(samples, DIRECTION_FLOATS / numel));
    }

    /** Floats of directions one evaluation holds on the host and in the engine (2^22, 16 MiB). */
    private static final long DIRECTION_FLOATS = 1L << 22;

    /** {@code acc / n} in the shape of {@code point}. */
    private static ParamSet mean(double[] acc, int n, ParamSet point, int[] offsets) {
        float[] flat = new float[acc.length];
        for (int i = 0; i < acc.length; i++) {
            flat[i] = (float) (acc[i] / n);
        }
        return point.map(t -> Arrays.copyOfRange(flat, offsets[t], offsets[t + 1]));
    }

    /** Directions {@code k0 .. k0+k-1}, each {@code numel} values, row-major {@code (k, numel)}. */
    private static float[] directions(long seed, int k0, int k, int numel) {
        float[] u = new float[k * numel];
        for (int i = 0; i < k; i++) {
            direction(seed, k0 + i, u, i * numel, numel);
        }
        return u;
    }

    /** Direction {@code k} of the estimate seeded by {@code seed}, {@code numel} values into {@code out[off..]}. */
    public static void direction(long seed, int k, float[] out, int off, int numel) {
        HostRandom.gaussian(Seeds.derive(seed, "nes", k), out, off, numel);
    }

    /** Losses at {@code w + s u_i} (first k) and, if antithetic, {@code w - s u_i} (next k). */
    private static float[] evaluate(Objective objective, NDList params, ParamSet point, float[] u, int k, double sigma,
            boolean antithetic) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDManager m = params.get(0).getManager();
            int numel = Math.toIntExact(point.numel());
            NDArray all = Nd.create(m, u, new Shape(k, numel));
            NDList directions = new NDList(point.count());
            int off = 0;
            for (int t = 0; t < point.count(); t++) {
                int n = point.get(t).size();
                long[] shape = point.get(t).shape();
                long[] stackedShape = new long[shape.length + 1];
                stackedShape[0] = k;
                System.arraycopy(shape, 0, stackedShape, 1, shape.length);
                directions.add(all.get(":, " + off + ":" + (off + n)).reshape(new Shape(stackedShape)));
                off += n;
            }
            float s = (float) sigma;
            float[][] coefficients = new float[k][];
            for (int i = 0; i < k; i++) {
                coefficients[i] = antithetic ? new float[] {s, -s} : new float[] {s};
            }
            float[][] losses = objective.lossAlong(params, directions, coefficients);
            float[] out = new float[k * (antithetic ? 2 : 1)];
            for (int i = 0; i < k; i++) {
                out[i] = losses[i][0];
                if (antithetic) {
                    out[k + i] = losses[i][1];
                }
            }
            return out;
        }
    }

    private interface Weight {
        double of(int i);
    }

    private static void accumulate(double[] acc, float[] u, int k, Weight weight) {
        int numel = acc.length;
        for (int i = 0; i < k; i++) {
            double w = weight.of(i);
            int base = i * numel;
            for (int j = 0; j < numel; j++) {
                acc[j] += w * u[base + j];
            }
        }
    }

    /** Centred ranks in [-0.5, 0.5]: the smallest value gets -0.5, the largest +0.5 (ties by index). */
    static float[] centredRanks(float[] v) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Float.compare(v[a], v[b]) != 0 ? Float.compare(v[a], v[b]) : Integer.compare(a, b));
        float[] r = new float[v.length];
        for (int rank = 0; rank < v.length; rank++) {
            r[idx[rank]] = v.length == 1 ? 0f : (float) rank / (v.length - 1) - 0.5f;
        }
        return r;
    }

    private static int[] offsets(ParamSet p) {
        int[] o = new int[p.count() + 1];
        for (int t = 0; t < p.count(); t++) {
            o[t + 1] = o[t] + p.get(t).size();
        }
        return o;
    }

    @Override
    public double nominalFlops(Objective objective) {
        return (double) samples * (antithetic ? 2 : 1) * objective.forwardFlops();
    }
}
