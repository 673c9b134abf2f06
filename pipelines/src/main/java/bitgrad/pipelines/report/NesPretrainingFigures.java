package bitgrad.pipelines.report;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;

/** The figures of question {@code nes-after-pretraining}: the variance, smoothing-offset, curvature and batch-noise evidence per dim. */
final class NesPretrainingFigures {

    private NesPretrainingFigures() {
    }

    static void draw(ReportContext c, Map<String, Map<Long, List<Double>>> snrByN, DimSeries offsetShare, DimSeries trueFalls,
            Map<String, DimSeries> slope, DimSeries heldRatio, DimSeries nesDescends, Map<Long, Long> weights) throws IOException {
        XYChart v = Figures.lines("NES signal-to-noise ratio as the samples grow", "samples N (nested)", "signal / noise over seeds");
        int i = 0;
        for (Map.Entry<String, Map<Long, List<Double>>> e : snrByN.entrySet()) {
            String[] id = e.getKey().split("\\|");
            double[] x = e.getValue().keySet().stream().mapToDouble(Long::doubleValue).toArray();
            double[] y = e.getValue().values().stream().mapToDouble(Cells.Cell::mean).toArray();
            double[] err = e.getValue().values().stream().mapToDouble(l -> l.size() < 2 ? 0 : Cells.Cell.sd(l)).toArray();
            Figures.errorLine(v, "dim=" + Long.parseLong(id[0]) + (id[1].equals("1") ? ", pretrained" : ", raw"), x, y, err, i++);
        }
        double top = snrByN.values().stream().flatMap(m -> m.keySet().stream()).mapToDouble(Long::doubleValue).max().orElse(1);
        Figures.line(v, "signal = noise", new double[] {0, top}, new double[] {1, 1}, 7);
        // what any smooth loss gives at each dim: the yardstick the verdict reads the measured ratios against
        for (Map.Entry<Long, Long> w : weights.entrySet()) {
            double[] n = new double[21];
            double[] y = new double[n.length];
            for (int k = 0; k < n.length; k++) {
                n[k] = top * k / (n.length - 1);
                y[k] = Math.sqrt(n[k] / (w.getValue() + 1.0));
            }
            Figures.dashed(v, "dim=" + w.getKey() + " smooth loss: sqrt(N/(d+1))", n, y, i++);
        }
        c.figure(Questions.SECTION, v, "nes_pretraining_variance", "Variance: NES's signal against its noise, raw vs pretrained",
                "Antithetic NES at the run's sigma from independent seeds, each read at nested sample counts N: the norm of the seeds'"
                        + " mean estimate (its leftover noise removed) divided by the spread of single estimates around it, mean over"
                        + " inits (bars: spread over inits). Below the grey line a single estimate is mostly noise. Dashed"
                        + " lines: sqrt(N/(d+1)) with d the model's weights, what NES gives on any smooth loss; the verdict reads"
                        + " each measured ratio against it (a raw model on it is as smooth as a linear loss to NES). The table has the"
                        + " mean projection on the CDG direction in units of its spread.");
        XYChart s = dimChart("NES's step: smoothed loss falls, true loss does not", "share of NES steps");
        s.getStyler().setYAxisMin(-0.05);
        s.getStyler().setYAxisMax(1.05);
        lines(s, "smoothed falls, true does not", offsetShare, 0, Stat.SHARE);
        lines(s, "true loss falls", trueFalls, 2, Stat.SHARE);
        c.figure(Questions.SECTION, s, "nes_pretraining_smoothing", "Smoothing offset: does the smoothed loss fall while the true loss rises?",
                offsetShare.isEmpty() ? "Not measured in this run (set questions.smoothing)."
                        : "Along NES's normalised estimate, a step as long as sigma: the share of estimates where the loss"
                                + " Gaussian-smoothed at sigma falls (its t test over the common draws surviving Benjamini-Hochberg over"
                                + " the run's cases) while the true loss does not, that is the smoothing offset; and the share where the"
                                + " true loss falls.");
        XYChart k = dimChart("Slope of the decrease-vs-lr curve, relative to CDG's", "slope a / CDG's slope (median)");
        int colour = 0;
        for (Map.Entry<String, DimSeries> e : slope.entrySet()) {
            if (List.of("nes", "ste").contains(e.getKey())) {
                lines(k, e.getKey().toUpperCase(Locale.ROOT), e.getValue(), colour, Stat.MEDIAN);
                colour += 2;
            }
        }
        reference(k, slope.values(), "as steep as CDG");
        c.figure(Questions.SECTION, k, "nes_pretraining_curvature", "Curvature: slope of each estimator's step, raw vs pretrained",
                "Each estimate's decrease-vs-lr curve fitted as a lr + b lr^2 over the lrs up to the best lr of CDG and STE at that"
                        + " grid point (the useful lrs); the linear term a divided by CDG's on the same model and batch, median over"
                        + " repeats (bars: half the interquartile range). Near 0 the step barely descends to first order; a positive"
                        + " slope with no descending lr means curvature overturns it (the table has the shares and b).");
        XYChart b = dimChart("NES's step on a fresh batch", "share / ratio");
        lines(b, "held-out decrease / batch decrease (median)", heldRatio, 0, Stat.MEDIAN);
        lines(b, "share of NES steps that descend on their batch", nesDescends, 2, Stat.SHARE);
        reference(b, List.of(heldRatio, nesDescends), "generalises fully");
        c.figure(Questions.SECTION, b, "nes_pretraining_batch_noise", "Batch noise: does NES's step only fit its own batch?",
                "Of the NES steps that lower their own batch's loss, the decrease on a fresh batch at the same lr divided by the"
                        + " batch's (median; bars: half the interquartile range): 1 means the step generalises, 0 or below that it"
                        + " fits the batch's noise. Also the share of NES steps that descend on their batch at all.");
    }

    /** A grey line at 1 across the dims of {@code series}. */
    private static void reference(XYChart ch, java.util.Collection<DimSeries> series, String name) {
        java.util.TreeSet<Long> dims = new java.util.TreeSet<>();
        series.forEach(s -> s.v.values().forEach(m -> dims.addAll(m.keySet())));
        if (dims.size() > 0) {
            Figures.line(ch, name, new double[] {dims.first(), dims.last()}, new double[] {1, 1}, 7);
        }
    }

    /** How a measure's repeats make one point: median with half-IQR bars, or a share without bars. */
    private enum Stat {
        MEDIAN, SHARE
    }

    private static XYChart dimChart(String title, String y) {
        XYChart ch = Figures.lines(title, "dim", y);
        return ch;
    }

    /** Two lines (raw, pretrained: colours {@code colour}, {@code colour + 1}) of one measure against dim. */
    private static void lines(XYChart ch, String name, DimSeries s, int colour, Stat stat) {
        for (boolean pre : new boolean[] {false, true}) {
            Map<Long, List<Double>> byDim = s.v.get(pre);
            if (byDim == null) {
                continue;
            }
            double[] x = byDim.keySet().stream().mapToDouble(Long::doubleValue).toArray();
            String label = name + (pre ? ", pretrained" : ", raw");
            if (stat == Stat.SHARE) {
                Figures.line(ch, label, x, byDim.values().stream().mapToDouble(Cells.Cell::mean).toArray(), colour + (pre ? 1 : 0))
                        .setMarker(org.knowm.xchart.style.markers.SeriesMarkers.CIRCLE);
            } else {
                double[] y = byDim.values().stream().mapToDouble(l -> NesAfterPretraining.quantile(l, 0.5)).toArray();
                double[] err = byDim.values().stream()
                        .mapToDouble(l -> (NesAfterPretraining.quantile(l, 0.75) - NesAfterPretraining.quantile(l, 0.25)) / 2).toArray();
                Figures.errorLine(ch, label, x, y, err, colour + (pre ? 1 : 0));
            }
        }
    }
}
