package bitgrad.transforms;

import bitgrad.models.Seeds;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage {@code nes-snr}: is NES's estimate signal or noise at this model (question
 * {@code nes-after-pretraining}, its variance explanation)? Antithetic NES at one sigma from
 * {@code seeds} independent seeds, each read at nested sample counts (one pass per seed); per
 * count, the norm of the seeds' mean against the spread of single estimates around it, and the
 * projection of single estimates on the CDG and STE directions of the same grid point; and what the
 * ratio would be on a smooth (locally linear) loss, {@link #smoothExpectation}. Inputs
 * {@code model, init, data} and {@code estimates} (the grid point's, of which the first CDG and
 * the STE estimate are the references; either may be missing).
 */
public final class NesSnrStage extends Stage<NesSnrStage.Params> {

    /**
     * @param model the evaluate model's shape
     * @param point the grid point
     * @param sigma NES's smoothing radius
     * @param samples nested sample counts, increasing
     * @param seeds independent estimates per count, >= 2
     * @param seed the seed the estimates' seeds derive from
     */
    public record Params(MlpSpec model, GridPoint point, double sigma, List<Integer> samples, int seeds, long seed) {
    }

    /** One row per nested sample count. */
    public static final Output SNR = new Output("nes-snr.arrow", Tables.NES_SNR);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public NesSnrStage() {
        super("nes-snr", 3, Params.class, SNR);
    }

    /** Signal and noise of {@code estimates} (one per seed) and their projections on two unit references (either may be null). */
    record Stats(double meanNorm, double spread, double signal, double snr, double[] projCdg, double[] projSte, double[] cosCdg,
            double[] cosSte) {

        static Stats of(List<float[]> estimates, float[] cdg, float[] ste) {
            int r = estimates.size();
            int n = estimates.get(0).length;
            double[] mean = new double[n];
            for (float[] e : estimates) {
                for (int j = 0; j < n; j++) {
                    mean[j] += e[j] / (double) r;
                }
            }
            double meanSq = 0;
            for (double v : mean) {
                meanSq += v * v;
            }
            double dev = 0;
            for (float[] e : estimates) {
                for (int j = 0; j < n; j++) {
                    double d = e[j] - mean[j];
                    dev += d * d;
                }
            }
            double spreadSq = dev / (r - 1); // E||e - mu||^2, unbiased
            double signal = Math.sqrt(Math.max(0, meanSq - spreadSq / r)); // ||mean||^2 carries spread^2 / r of noise
            double spread = Math.sqrt(spreadSq);
            return new Stats(Math.sqrt(meanSq), spread, signal, spread == 0 ? Double.NaN : signal / spread, project(estimates, cdg),
                    project(estimates, ste), cosines(estimates, cdg), cosines(estimates, ste));
        }

        /** Each estimate's component along the unit vector of {@code ref}; null without a (non-zero) reference. */
        private static double[] project(List<float[]> estimates, float[] ref) {
            double norm = ref == null ? 0 : Math.sqrt(Gradients.dot(ref, ref));
            if (norm == 0) {
                return null;
            }
            return estimates.stream().mapToDouble(e -> Gradients.dot(e, ref) / norm).toArray();
        }

        private static double[] cosines(List<float[]> estimates, float[] ref) {
            return ref == null ? null : estimates.stream().mapToDouble(e -> Gradients.cosine(e, ref)).toArray();
        }
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        float[] cdg = null;
        float[] ste = null;
        for (TaskRef ref : c.inputs("estimates")) {
            String family = c.paramsOf(ref, Stages.ESTIMATE).estimator().family();
            if (family.equals("cdg") && cdg == null) {
                cdg = c.readParams(ref, EstimateStage.GRADIENT).flatten();
            } else if (family.equals("ste") && ste == null) {
                ste = c.readParams(ref, EstimateStage.GRADIENT).flatten();
            }
        }
        int[] counts = p.samples().stream().mapToInt(Integer::intValue).toArray();
        List<List<float[]>> byCount = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            byCount.add(new ArrayList<>());
        }
        NesEstimator nes = NesEstimator.antithetic(p.sigma(), counts[counts.length - 1]);
        try (ArrowBatch data = ToyInputs.data(c, p.model()); TeacherStudentObjective o = ToyInputs.objective(c, p.model(), data)) {
            for (int s = 0; s < p.seeds(); s++) {
                List<ParamSet> nested = nes.estimateNested(o, Seeds.derive(p.seed(), "nes-snr", s), counts);
                for (int i = 0; i < counts.length; i++) {
                    byCount.get(i).add(nested.get(i).flatten());
                }
            }
        }
        ColumnTable t = Tables.NES_SNR.empty();
        GridPoint pt = p.point();
        double last = Double.NaN;
        for (int i = 0; i < counts.length; i++) {
            Stats st = Stats.of(byCount.get(i), cdg, ste);
            t.add((long) pt.dim(), pt.activation(), pt.rows(), (long) pt.init(), (long) pt.batch(), pt.pretrained() ? 1L : 0L, p.sigma(),
                    (long) counts[i], (long) p.seeds(), st.meanNorm(), st.spread(), st.signal(), st.snr(), mean(st.projCdg()),
                    sd(st.projCdg()), mean(st.projSte()), sd(st.projSte()), mean(st.cosCdg()), mean(st.cosSte()),
                    (long) byCount.get(i).get(0).length, smoothExpectation(counts[i], byCount.get(i).get(0).length));
            last = st.snr();
        }
        c.write(SNR, t);
        return String.format(java.util.Locale.ROOT, "nes(sigma=%s) %d seeds x N=%s dim=%d snr=%.3g", p.sigma(), p.seeds(), p.samples(),
                p.model().dim(), last);
    }

    /**
     * NES's signal-to-noise ratio on a loss that is linear over the sampling radius:
     * {@code sqrt(N / (d + 1))} for antithetic Gaussian NES with N samples and d weights (one
     * sample's noise is {@code E||(u.g) u - g||^2 = (d + 1) ||g||^2}). Any smooth loss gives about
     * this at small sigma, so a measured ratio means something only relative to it.
     */
    static double smoothExpectation(int samples, int weights) {
        return Math.sqrt(samples / (weights + 1.0));
    }

    private static Double mean(double[] v) {
        return v == null ? null : java.util.Arrays.stream(v).average().orElse(Double.NaN);
    }

    private static Double sd(double[] v) {
        if (v == null || v.length < 2) {
            return null;
        }
        double m = mean(v);
        return Math.sqrt(java.util.Arrays.stream(v).map(x -> (x - m) * (x - m)).sum() / (v.length - 1));
    }
}
