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

    @Override
    public void render(ReportContext c) throws IOException {
        int n = 0;
        for (String k : c.keys("probe")) {
            JsonNode p = c.params("probe", k);
            String what = "dim=" + p.path("model").path("dim").asInt() + " " + p.path("model").path("activation").asText() + " #" + n;
            ColumnTable nes = c.table("probe", k, ProbeStage.NES_POINTS.file());
            nesMaxPoint(c, nes, what, n);
            ColumnTable s = c.table("probe", k, ProbeStage.SEARCH.file());
            search(c, s, what, n);
            ColumnTable sr = c.table("probe", k, ProbeStage.SR_UPDATE.file());
            if (sr.rows() > 0) {
                srUpdate(c, sr, what, n);
            }
            Map<String, Object> info = c.info("probe", k);
            int best = 0;
            for (int r = 1; r < s.rows(); r++) {
                best = s.getDouble("best_decrease", r) > s.getDouble("best_decrease", best) ? r : best;
            }
            c.headline("probe", String.format(Locale.ROOT, "discussion dim=%d lr=%.4g ste_decrease=%.6g nes_max_decrease=%.6g "
                    + "search_best_radius=%s search_best_decrease=%.6g", p.path("model").path("dim").asInt(),
                    ((Number) info.get("lr")).doubleValue(), ((Number) info.get("ste_decrease")).doubleValue(),
                    ((Number) info.get("nes_max_decrease")).doubleValue(), s.rows() == 0 ? "none" : s.get("radius", best),
                    s.rows() == 0 ? Double.NaN : s.getDouble("best_decrease", best)));
            n++;
        }
    }

    private static void nesMaxPoint(ReportContext c, ColumnTable nes, String what, int n) throws IOException {
        double[] dec = new double[nes.rows()];
        for (int r = 0; r < nes.rows(); r++) {
            dec[r] = nes.getDouble("decrease", r);
        }
        Arrays.sort(dec);
        double[] ranks = new double[dec.length];
        double[] desc = new double[dec.length];
        for (int r = 0; r < dec.length; r++) {
            ranks[r] = r + 1;
            desc[r] = dec[dec.length - 1 - r];
        }
        XYChart chart = Figures.lines("NES max point: random directions vs STE and CDG, " + what, "direction rank (best first)",
                "loss decrease at STE's best lr");
        chart.getStyler().setXAxisDecimalPattern("0");
        Figures.line(chart, "random directions (+-u)", ranks, desc, 0);
        double[] ends = {1, dec.length};
        Figures.line(chart, "STE", ends, new double[] {nes.getDouble("ste_decrease", 0), nes.getDouble("ste_decrease", 0)}, 1);
        if (nes.get("cdg_decrease", 0) != null) {
            Figures.line(chart, "CDG", ends, new double[] {nes.getDouble("cdg_decrease", 0), nes.getDouble("cdg_decrease", 0)}, 2);
        }
        c.figure("probe", chart, "probe_nes_" + n, "NES max point: " + what,
                "Every sampled direction (and its negative) stepped at STE's best lr; the best of them is NES's max point.");
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
