package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.models.stats.Corrections;
import bitgrad.models.stats.PairedTest;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import bitgrad.transforms.LrSweepStage;
import bitgrad.transforms.NesSnrStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Why does NES stop pointing downhill after pretraining? Four explanations, each with its
 * evidence per dim for raw and pretrained models:
 * <ul>
 *   <li>variance: NES's signal-to-noise ratio over independent seeds at the largest nested sample
 *       count ({@code nes-snr}) relative to what any smooth loss gives ({@link NesSnrEvidence});</li>
 *   <li>smoothing offset: along NES's step (as long as sigma), the loss smoothed at sigma falls
 *       while the true loss does not ({@code smoothing}, the whole step);</li>
 *   <li>curvature: the decrease-vs-lr curve fitted as {@code a lr + b lr^2} over the lrs where CDG
 *       or STE find their best step ({@code lr-sweep}); a positive slope that never turns into a
 *       decrease on the grid is overturned by curvature;</li>
 *   <li>batch noise: the step lowers the gradient batch's loss but not the held-out batch's.</li>
 * </ul>
 * A share explanation is supported when it holds for most pretrained estimates and, per init, for
 * more pretrained than raw ones beyond chance (t over inits, Holm over the three); variance as
 * {@link NesSnrEvidence} says.
 */
final class NesAfterPretraining implements Part {

    /**
     * Report table of question {@code nes-after-pretraining}: per (variant, dim, estimator family),
     * over its estimates: the share whose best step lowers the gradient batch's loss
     * ({@code descends}) and the held-out loss at that lr; the share that descends on the batch but
     * not on the held-out batch ({@code batch_only}); the mean linear and quadratic terms of the
     * decrease-vs-lr fit ({@code slope}, {@code curvature}); for NES its signal-to-noise ratio at the
     * largest nested count, the mean projection of single estimates on the CDG direction in units
     * of its spread over seeds ({@code proj_cdg_z}), and the share of its steps (as long as sigma) where the smoothed loss
     * falls while the true loss does not (null where not measured).
     */
    static final Tables.Schema NES_PRETRAINING = new Tables.Schema("nes_pretraining", new Object[] {"variant", STRING, "dim", LONG, "family", STRING,
            "estimates", LONG, "descends", DOUBLE, "heldout_descends", DOUBLE, "batch_only", DOUBLE, "slope", DOUBLE, "curvature",
            DOUBLE, "snr", DOUBLE, "proj_cdg_z", DOUBLE, "smoothed_only", DOUBLE});

    static final String QUESTION = "nes-after-pretraining";

    /** Bumped whenever what this part says changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 6;
    }

    /** One estimate's sweep: its point, family, whether it descends and its fitted curve. */
    private record Sweep(String point, String variant, long dim, boolean pretrained, String family, double baseLoss, double best,
            double heldoutBase, double heldout, double bestLr, double[] lr, double[] decrease) {
    }


    @Override
    public void render(ReportContext c) throws IOException {
        List<String> snrKeys = c.keys("nes-snr");
        if (snrKeys.isEmpty()) {
            return;
        }
        List<Sweep> sweeps = sweeps(c);
        // the lr window of each grid point: up to the largest best lr of its CDG and STE estimates
        Map<String, Double> window = new LinkedHashMap<>();
        for (Sweep s : sweeps) {
            if ((s.family().equals("cdg") || s.family().equals("ste")) && s.best() > 0) {
                window.merge(s.point(), s.bestLr(), Math::max);
            }
        }
        Map<String, DimSeries> slope = new TreeMap<>();
        DimSeries heldRatio = new DimSeries();
        DimSeries nesDescends = new DimSeries();
        ColumnTable table = NES_PRETRAINING.empty();
        // (variant, dim, family) -> [count, descends, heldout descends, batch only, slope sum, curvature sum]
        Map<String, double[]> rows = new TreeMap<>();
        int[] overturned = new int[2];
        int[] batchOnly = new int[2];
        int[] descendsOnBatch = new int[2];
        int[] nesCount = new int[2];
        Map<Sweep, double[]> fits = new LinkedHashMap<>();
        ShareByInit curvature = new ShareByInit();
        ShareByInit batchNoise = new ShareByInit();
        ShareByInit offsetShareByInit = new ShareByInit();
        Map<String, Double> cdgSlope = new LinkedHashMap<>();
        for (Sweep s : sweeps) {
            double[] ab = fit(s.lr(), s.decrease(), window.getOrDefault(s.point(), Double.POSITIVE_INFINITY));
            fits.put(s, ab);
            if (s.family().equals("cdg")) {
                cdgSlope.putIfAbsent(s.point(), ab[0]);
            }
        }
        for (Sweep s : sweeps) {
            double[] ab = fits.get(s);
            // relative to CDG's slope at the same model and batch: scale-free across dims and raw vs pretrained models, whose
            // losses differ by orders of magnitude
            Double ref = cdgSlope.get(s.point());
            if (!s.family().equals("cdg") && ref != null && ref > 0) {
                slope.computeIfAbsent(s.family(), k -> new DimSeries()).add(s.pretrained(), s.dim(), ab[0] / ref);
            }
            double[] r = rows.computeIfAbsent(s.variant() + "|" + s.dim() + "|" + s.family(), k -> new double[6]);
            boolean descends = s.best() > 0;
            r[0]++;
            r[1] += descends ? 1 : 0;
            r[2] += descends && s.heldout() > 0 ? 1 : 0;
            r[3] += descends && !(s.heldout() > 0) ? 1 : 0;
            r[4] += ab[0];
            r[5] += ab[1];
            if (s.family().equals("nes")) {
                int p = s.pretrained() ? 1 : 0;
                nesCount[p]++;
                if (descends) {
                    // what of the batch's decrease survives on a fresh batch: 1 generalises, 0 or below fits the batch's noise
                    heldRatio.add(s.pretrained(), s.dim(), s.heldout() / s.best());
                }
                nesDescends.add(s.pretrained(), s.dim(), descends ? 1 : 0);
                if (ab[0] > 0 && !descends) {
                    overturned[p]++;
                }
                String init = s.point().split("\\|")[3];
                curvature.add(init, s.pretrained(), ab[0] > 0 && !descends);
                if (descends) {
                    descendsOnBatch[p]++;
                    batchOnly[p] += s.heldout() > 0 ? 0 : 1;
                    batchNoise.add(init, s.pretrained(), !(s.heldout() > 0));
                }
            }
        }
        // variance: the signal-to-noise ratio at the largest nested count
        DimSeries snr = new DimSeries();
        // (dim, pretrained) -> N -> ratios over inits
        Map<String, Map<Long, List<Double>>> snrByN = new TreeMap<>();
        List<ColumnTable> snrTables = new ArrayList<>();
        long maxN = 0;
        for (String k : snrKeys) {
            ColumnTable t = c.table("nes-snr", k, NesSnrStage.SNR.file());
            snrTables.add(t);
            for (int r = 0; r < t.rows(); r++) {
                maxN = Math.max(maxN, t.getLong("samples", r));
            }
        }
        Map<String, List<Double>> snrByCell = new TreeMap<>();
        Map<String, List<Double>> projByCell = new TreeMap<>();
        for (ColumnTable t : snrTables) {
            for (int r = 0; r < t.rows(); r++) {
                snrByN.computeIfAbsent(String.format(Locale.ROOT, "%03d|%d", t.getLong("dim", r), t.getLong("pretrained", r)),
                        x -> new TreeMap<>()).computeIfAbsent(t.getLong("samples", r), x -> new ArrayList<>()).add(t.getDouble("snr", r));
                if (t.getLong("samples", r) != maxN) {
                    continue;
                }
                boolean pre = t.getLong("pretrained", r) == 1;
                snr.add(pre, t.getLong("dim", r), t.getDouble("snr", r));
                Object pc = t.get("proj_cdg_mean", r);
                Object ps = t.get("proj_cdg_sd", r);
                if (pc != null && ps != null) {
                    // the mean projection in units of one estimate's spread along that direction
                    projByCell.computeIfAbsent(cell(t, r), x -> new ArrayList<>()).add((Double) pc / Math.max((Double) ps, 1e-30));
                }
                snrByCell.computeIfAbsent(cell(t, r), x -> new ArrayList<>()).add(t.getDouble("snr", r));
            }
        }
        // smoothing offset: NES's whole step, smoothed falls (its test surviving the run's false discovery control) while the true loss does not
        DimSeries offsetShare = new DimSeries();
        DimSeries trueFalls = new DimSeries();
        int[] offset = new int[2];
        int[] offsetCases = new int[2];
        Map<String, int[]> offsetByCell = new TreeMap<>();
        for (SmoothingPart.Case x : SmoothingPart.cases(c)) {
            if (!x.update().equals("all")) {
                continue;
            }
            boolean pre = x.pretrained() == 1;
            boolean hit = x.outcome().smoothedOnly();
            offsetShare.add(pre, x.dim(), hit ? 1 : 0);
            trueFalls.add(pre, x.dim(), x.truth() < 0 ? 1 : 0);
            offsetCases[pre ? 1 : 0]++;
            offset[pre ? 1 : 0] += hit ? 1 : 0;
            offsetShareByInit.add(String.valueOf(x.init()), pre, hit);
            int[] cell = offsetByCell.computeIfAbsent(x.variant() + "|" + x.dim(), k -> new int[2]);
            cell[0]++;
            cell[1] += hit ? 1 : 0;
        }
        rows.forEach((id, r) -> {
            String[] p = id.split("\\|");
            String cell = p[0] + "|" + p[1];
            boolean nes = p[2].equals("nes");
            Double snrMean = nes && snrByCell.containsKey(cell) ? (Double) Cells.Cell.mean(snrByCell.get(cell)) : null;
            Double proj = nes && projByCell.containsKey(cell) ? (Double) Cells.Cell.mean(projByCell.get(cell)) : null;
            int[] off = offsetByCell.get(cell);
            table.add(p[0], Long.parseLong(p[1]), p[2], (long) r[0], r[1] / r[0], r[2] / r[0], r[3] / r[0], r[4] / r[0], r[5] / r[0],
                    snrMean, proj, nes && off != null ? (Double) ((double) off[1] / off[0]) : null);
        });

        double snrRaw = Cells.Cell.mean(snr.all(false));
        double snrPre = Cells.Cell.mean(snr.all(true));
        NesSnrEvidence snrEvidence = NesSnrEvidence.of(snrTables);
        boolean variance = snrEvidence != null && snrEvidence.supported();
        double offRaw = frac(offset[0], offsetCases[0]);
        double offPre = frac(offset[1], offsetCases[1]);
        // the three share explanations, each: most pretrained estimates, and more than raw ones beyond chance (per init, the
        // pretrained share minus the raw share, t over inits, Holm over the three)
        PairedTest[] shareTests = {offsetShareByInit.test(), curvature.test(), batchNoise.test()};
        double[] shareP = Corrections.holm(java.util.Arrays.stream(shareTests).mapToDouble(PairedTest::p).toArray());
        boolean smoothing = offPre > 0.5 && ShareByInit.beyondChance(shareTests[0], shareP[0]);
        DimSeries nesSlope = slope.getOrDefault("nes", new DimSeries());
        double nesSlopeRaw = quantile(nesSlope.all(false), 0.5);
        double nesSlopePre = quantile(nesSlope.all(true), 0.5);
        double curvRaw = frac(overturned[0], nesCount[0]);
        double curvPre = frac(overturned[1], nesCount[1]);
        boolean curv = curvPre > 0.5 && ShareByInit.beyondChance(shareTests[1], shareP[1]);
        double noiseRaw = frac(batchOnly[0], descendsOnBatch[0]);
        double noisePre = frac(batchOnly[1], descendsOnBatch[1]);
        boolean noise = noisePre > 0.5 && ShareByInit.beyondChance(shareTests[2], shareP[2]);
        double descRaw = frac(descendsOnBatch[0], nesCount[0]);
        double descPre = frac(descendsOnBatch[1], nesCount[1]);
        List<String> supported = new ArrayList<>();
        if (variance) {
            supported.add("variance");
        }
        if (smoothing) {
            supported.add("smoothing-offset");
        }
        if (curv) {
            supported.add("curvature");
        }
        if (noise) {
            supported.add("batch-noise");
        }
        String premise = Double.isNaN(descPre) ? "There are no pretrained NES sweeps in this run, so the question cannot be asked of it."
                : String.format(Locale.ROOT, "Here NES's best step lowers the gradient batch's loss for %s of raw and %s of pretrained"
                        + " models (dims %s)%s", pct(descRaw), pct(descPre), new TreeSet<>(snr.v.getOrDefault(true, Map.of()).keySet()),
                        descPre >= 0.5 ? ": in this run most pretrained NES steps still descend, so the explanations below describe what"
                                + " weakens NES after pretraining rather than a failure." : ".");
        String sentence = premise + String.format(Locale.ROOT,
                " %s"
                        + " Smoothing offset: along its step the smoothed loss falls while the true loss does not in %s of raw and %s of"
                        + " pretrained cases (%s)."
                        + " Curvature: its fitted slope is a median %.2f (raw) and %.2f (pretrained) of CDG's on the same models;"
                        + " positive but with no lr of the grid descending in %s of raw and %s of pretrained estimates (%s)."
                        + " Batch noise: of the steps that descend on the gradient batch, %s (raw) and %s (pretrained) do not descend on"
                        + " the held-out batch (%s). %s",
                snrEvidence == null ? "Variance: not measured (no smooth-loss expectation in the nes-snr tables)." : snrEvidence.sentence(),
                pct(offRaw), pct(offPre), offsetCases[1] == 0 ? "not measured: questions.smoothing"
                        : ShareByInit.say(smoothing, offPre, shareTests[0], shareP[0]),
                nesSlopeRaw, nesSlopePre, pct(curvRaw), pct(curvPre), ShareByInit.say(curv, curvPre, shareTests[1], shareP[1]), pct(noiseRaw),
                pct(noisePre), ShareByInit.say(noise, noisePre, shareTests[2], shareP[2]),
                supported.isEmpty() ? "None of the four explanations holds for most pretrained estimates here."
                        : "What the numbers support: " + String.join(", ", supported) + ".");
        Questions.verdict(c, QUESTION, "Why does NES stop pointing downhill after pretraining?", sentence, String.format(Locale.ROOT,
                "supported=%s nes_descends_raw=%.3f nes_descends_pretrained=%.3f snr_raw=%.3g snr_pretrained=%.3g samples=%d"
                        + " snr_vs_smooth_raw=%.3g snr_vs_smooth_pretrained=%.3g variance_dims=%s inits=%d p=%s"
                        + " smoothing_offset_raw=%.3f smoothing_offset_pretrained=%.3f slope_vs_cdg_raw=%.3g slope_vs_cdg_pretrained=%.3g"
                        + " curvature_raw=%.3f curvature_pretrained=%.3f"
                        + " batch_noise_raw=%.3f batch_noise_pretrained=%.3f",
                supported.isEmpty() ? "none" : String.join(",", supported), descRaw, descPre, snrRaw, snrPre, maxN,
                snrEvidence == null ? Double.NaN : snrEvidence.meanRatio(false), snrEvidence == null ? Double.NaN : snrEvidence.meanRatio(true),
                snrEvidence == null || snrEvidence.explainedDims().isEmpty() ? "none"
                        : String.join(",", snrEvidence.explainedDims().stream().map(String::valueOf).toList()),
                snrEvidence == null ? 0 : snrEvidence.inits(), snrEvidence == null ? "none" : snrEvidence.p(), offRaw, offPre,
                nesSlopeRaw, nesSlopePre, curvRaw,
                curvPre, noiseRaw, noisePre));
        Map<Long, Long> weights = new TreeMap<>();
        if (snrEvidence != null) {
            snrEvidence.cells().forEach(x -> weights.put(x.dim(), x.weights()));
        }
        NesPretrainingFigures.draw(c, snrByN, offsetShare, trueFalls, slope, heldRatio, nesDescends, weights);
        c.table(Questions.SECTION, "NES after pretraining: the evidence per variant, dim and estimator family", table);
    }

    /** The (variant, dim) a row of a grid-point table belongs to. */
    private static String cell(ColumnTable t, int r) {
        return Cells.variant(t.string("activation", r), t.getLong("rows", r), t.getLong("pretrained", r)) + "|" + t.getLong("dim", r);
    }

    private static double num(ColumnTable t, String column, int r) {
        Object v = t.get(column, r);
        return v == null ? Double.NaN : (Double) v;
    }

    /** Every lr sweep of the run with its curve. */
    private static List<Sweep> sweeps(ReportContext c) throws IOException {
        List<Sweep> out = new ArrayList<>();
        for (String k : c.keys("lr-sweep")) {
            ColumnTable best = c.table("lr-sweep", k, LrSweepStage.BEST.file());
            ColumnTable curves = c.table("lr-sweep", k, LrSweepStage.CURVES.file());
            for (int r = 0; r < best.rows(); r++) {
                String label = best.string("estimator_spec", r);
                List<Double> lr = new ArrayList<>();
                List<Double> dec = new ArrayList<>();
                for (int i = 0; i < curves.rows(); i++) {
                    if (curves.string("estimator_spec", i).equals(label)) {
                        lr.add(curves.getDouble("lr", i));
                        dec.add(curves.getDouble("decrease", i));
                    }
                }
                String point = String.join("|", String.valueOf(best.getLong("dim", r)), best.string("activation", r),
                        String.valueOf(best.getLong("rows", r)), String.valueOf(best.getLong("init", r)), String.valueOf(best.getLong("batch", r)),
                        String.valueOf(best.getLong("pretrained", r)));
                Object bestLr = best.get("best_lr", r);
                Object held = best.get("heldout_decrease", r);
                out.add(new Sweep(point, Cells.variant(best.string("activation", r), best.getLong("rows", r), best.getLong("pretrained", r)),
                        best.getLong("dim", r), best.getLong("pretrained", r) == 1, best.string("family", r), best.getDouble("base_loss", r),
                        best.getDouble("best_decrease", r), num(best, "heldout_base_loss", r), held == null ? Double.NaN : (Double) held, bestLr == null ? Double.NaN : (Double) bestLr, Figures.toArray(lr),
                        Figures.toArray(dec)));
            }
        }
        return out;
    }

    /**
     * Least squares {@code d = a lr + b lr^2} (no intercept: no step, no change) over the lrs up to
     * {@code window} (at least the first three); returns {@code {a, b}}.
     */
    static double[] fit(double[] lr, double[] d, double window) {
        double s2 = 0;
        double s3 = 0;
        double s4 = 0;
        double t1 = 0;
        double t2 = 0;
        for (int i = 0; i < lr.length; i++) {
            if (lr[i] > window && i >= 3) {
                break;
            }
            double x = lr[i];
            s2 += x * x;
            s3 += x * x * x;
            s4 += x * x * x * x;
            t1 += x * d[i];
            t2 += x * x * d[i];
        }
        double det = s2 * s4 - s3 * s3;
        if (!(Math.abs(det) > 0)) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {(t1 * s4 - t2 * s3) / det, (s2 * t2 - s3 * t1) / det};
    }


    /** Linear-interpolated quantile. */
    static double quantile(List<Double> v, double q) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, s.length - 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }

    private static double frac(int k, int n) {
        return n == 0 ? Double.NaN : (double) k / n;
    }

    private static String pct(double f) {
        return Double.isNaN(f) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * f);
    }
}
