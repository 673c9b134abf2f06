package bitgrad.pipelines.report;

import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.ProbeStage;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The discussion probes, per probed (model, batch): NES max point, search near STE, sr-STE update two ways; one headline each. */
final class ProbePart implements Part {

    /** Bumped whenever what this part files changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 2;
    }

    @Override
    public void render(ReportContext c) throws IOException {
        int n = 0;
        for (String k : c.keys("probe")) {
            JsonNode p = c.params("probe", k);
            String what = "dim=" + p.path("model").path("dim").asInt() + " " + p.path("model").path("activation").asText() + " #" + n;
            ColumnTable nes = c.table("probe", k, ProbeStage.NES_POINTS.file());
            ColumnTable own = c.table("probe", k, ProbeStage.BEST.file());
            nesMaxPoint(c, nes, own, what, n);
            ColumnTable s = c.table("probe", k, ProbeStage.SEARCH.file());
            search(c, s, what, n);
            ColumnTable sr = c.table("probe", k, ProbeStage.SR_UPDATE.file());
            if (sr.rows() > 0) {
                srUpdate(c, sr, what, n);
            }
            Map<String, Object> info = c.info("probe", k);
            c.table("probe", "Each estimator at its own best lr, " + what, own);
            int best = 0;
            for (int r = 1; r < s.rows(); r++) {
                best = s.getDouble("best_decrease", r) > s.getDouble("best_decrease", best) ? r : best;
            }
            // each selection made on the batch, with what it gives on the held-out rows
            c.headline("probe", String.format(Locale.ROOT, "discussion dim=%d ste_lr=%.4g ste_decrease=%.6g nes_decrease=%s "
                    + "nes_max_decrease=%s nes_max_heldout_decrease=%s search_best_radius=%s search_best_decrease=%.6g"
                    + " search_best_heldout_decrease=%s ste_heldout_decrease=%s", p.path("model").path("dim").asInt(),
                    ((Number) info.get("lr")).doubleValue(), ((Number) info.get("ste_decrease")).doubleValue(),
                    number(info.get("nes_decrease")), number(info.get("nes_max_decrease")), number(info.get("nes_max_heldout_decrease")),
                    s.rows() == 0 ? "none" : s.get("radius", best), s.rows() == 0 ? Double.NaN : s.getDouble("best_decrease", best),
                    s.rows() == 0 ? "none" : number(s.get("best_heldout_decrease", best)),
                    s.rows() == 0 ? "none" : number(s.get("ste_heldout_decrease", best))));
            n++;
        }
    }

    private static String number(Object v) {
        return v == null ? "none" : String.format(Locale.ROOT, "%.6g", ((Number) v).doubleValue());
    }

    private static void nesMaxPoint(ReportContext c, ColumnTable nes, ColumnTable own, String what, int n) throws IOException {
        if (nes.rows() == 0) {
            return;
        }
        Integer[] order = new Integer[nes.rows()];
        for (int r = 0; r < order.length; r++) {
            order[r] = r;
        }
        Arrays.sort(order, (a, b) -> Double.compare(nes.getDouble("point_decrease", b), nes.getDouble("point_decrease", a)));
        double[] ranks = new double[order.length];
        double[] stepped = new double[order.length];
        for (int r = 0; r < order.length; r++) {
            ranks[r] = r + 1;
            stepped[r] = nes.getDouble("step_decrease", order[r]);
        }
        XYChart chart = Figures.lines("NES max point: its own sample points vs the estimators, " + what,
                "sample point rank by its decrease at radius sigma (best first)", "loss decrease of the step");
        Figures.line(chart, "normalised u_k stepped at NES's best lr", ranks, stepped, 0).setMarker(SeriesMarkers.CIRCLE);
        double[] ends = {1, order.length};
        for (int r = 0; r < own.rows(); r++) {
            double d = own.getDouble("best_decrease", r);
            Figures.line(chart, own.string("estimator", r) + " at its best lr", ends, new double[] {d, d}, r + 1);
        }
        c.figure("probe", chart, "probe_nes_" + n, "NES max point: " + what,
                "The NES estimate's own sample points w +- sigma u_k, ranked by how much each lowers the loss at radius sigma; each"
                        + " direction normalised and stepped at NES's best lr (the max point is rank 1), against every estimator"
                        + " stepped at its own best lr.");
    }

    private static void search(ReportContext c, ColumnTable s, String what, int n) throws IOException {
        XYChart chart = Figures.lines("Steepest descent near STE, " + what, "perturbation radius r (direction normalize(g_ste + r xi))",
                "loss decrease at STE's best lr");
        double[] radius = new double[s.rows()];
        double[] best = new double[s.rows()];
        double[] mean = new double[s.rows()];
        double[] ste = new double[s.rows()];
        for (int r = 0; r < s.rows(); r++) {
            radius[r] = s.getDouble("radius", r);
            best[r] = s.getDouble("best_decrease", r);
            mean[r] = s.getDouble("mean_decrease", r);
            ste[r] = s.getDouble("ste_decrease", r);
        }
        Figures.line(chart, "best candidate", radius, best, 0).setMarker(SeriesMarkers.CIRCLE);
        Figures.line(chart, "mean candidate", radius, mean, 1).setMarker(SeriesMarkers.CIRCLE);
        Figures.line(chart, "STE", radius, ste, 2);
        c.figure("probe", chart, "probe_search_" + n, "Search around STE: " + what,
                "If the best candidate beats STE at small r, a steeper direction lies close to STE's.");
    }

    private static void srUpdate(ReportContext c, ColumnTable sr, String what, int n) throws IOException {
        XYChart chart = Figures.lines("sr-STE update measured two ways, " + what, "learning rate", "loss decrease after the update");
        double[] lr = new double[sr.rows()];
        double[] van = new double[sr.rows()];
        double[] sto = new double[sr.rows()];
        for (int r = 0; r < sr.rows(); r++) {
            lr[r] = sr.getDouble("lr", r);
            van[r] = sr.getDouble("vanilla_decrease", r);
            sto[r] = sr.getDouble("stochastic_decrease", r);
        }
        Figures.line(chart, "vanilla sign (deterministic)", lr, van, 0);
        Figures.line(chart, "stochastic forward (mean of draws)", lr, sto, 1);
        c.figure("probe", chart, "probe_sr_" + n, "sr-STE update: vanilla vs stochastic evaluation, " + what,
                "The same sr-STE step measured with the deterministic sign (what the sweeps report) and with the stochastic forward it was computed for.");
    }
}
