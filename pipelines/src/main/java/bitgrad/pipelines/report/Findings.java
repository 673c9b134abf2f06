package bitgrad.pipelines.report;

import bitgrad.models.estimators.Pretrainer;
import bitgrad.models.estimators.SteEstimator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The page's lead: per (variant, dim), which estimator gives the largest decrease, by how much
 * relative to STE, and whether the gap is larger than the spread over repeats; then what looks
 * suspicious (a best lr at the edge of the grid, no descent, pretraining that ended on a spike or
 * had not converged). Sentences are generated from the numbers; each is also a {@code finding}
 * headline.
 */
final class Findings implements Part {

    /** The section the page shows before the results. */
    static final String SECTION = "findings";

    @Override
    public void render(ReportContext c) throws IOException {
        List<String> sentences = new ArrayList<>();
        List<String> flags = new ArrayList<>();
        Map<String, List<Cells.Cell>> groups = new LinkedHashMap<>();
        for (Cells.Cell cell : c.cells()) {
            groups.computeIfAbsent(cell.variant() + ", dim=" + cell.dim(), k -> new ArrayList<>()).add(cell);
        }
        double[] edges = gridEdges(c);
        for (Map.Entry<String, List<Cells.Cell>> g : groups.entrySet()) {
            List<Cells.Cell> cells = g.getValue();
            Cells.Cell best = cells.stream().max(Comparator.comparingDouble(Cells.Cell::mean)).orElseThrow();
            Cells.Cell ste = cells.stream().filter(x -> x.spec() instanceof SteEstimator).findFirst().orElse(null);
            Cells.Cell second = cells.stream().filter(x -> x != best).max(Comparator.comparingDouble(Cells.Cell::mean)).orElse(null);
            Cells.Cell heldBest = cells.stream().max(Comparator.comparingDouble(Cells.Cell::heldoutMean)).orElseThrow();
            int repeats = best.best().size();
            String separable;
            boolean apart = false;
            if (second == null) {
                separable = "the only estimator";
            } else if (repeats < 2) {
                separable = "one repeat, so no spread to compare the gap with";
            } else {
                // paired: both estimators saw the same model and batch in each repeat, so the spread that matters is the
                // spread of their difference, not of each one (which mostly reflects the models)
                List<Double> diff = new ArrayList<>();
                for (int i = 0; i < Math.min(best.best().size(), second.best().size()); i++) {
                    diff.add(best.best().get(i) - second.best().get(i));
                }
                double mean = Cells.Cell.mean(diff);
                double se = Cells.Cell.sd(diff) / Math.sqrt(diff.size());
                apart = diff.size() >= 3 && mean > 2 * se;
                separable = diff.size() < 3
                        ? String.format(Locale.ROOT, "ahead of %s (%.3g) by %.2g ± %.2g, but %d repeats are too few to call it separable",
                                second.estimator(), second.mean(), mean, se, diff.size())
                        : mean > 2 * se
                        ? String.format(Locale.ROOT, "ahead of %s (%.3g) by %.2g ± %.2g (paired over %d repeats, mean ± se)",
                                second.estimator(), second.mean(), mean, se, diff.size())
                        : String.format(Locale.ROOT, "not separable from %s (%.3g) with %d repeats: the paired difference %.2g ± %.2g"
                                + " is within two standard errors", second.estimator(), second.mean(), diff.size(), mean, se);
            }
            String vsSte = ste == null || best == ste ? "" : ste.mean() > 0
                    ? String.format(Locale.ROOT, ", %.2f times STE's %.3g", best.mean() / ste.mean(), ste.mean())
                    : String.format(Locale.ROOT, "; STE does not descend here (%.3g)", ste.mean());
            String held = heldBest == best || heldBest.heldoutMean() <= best.heldoutMean() * (1 + 1e-9)
                    ? "; it is also best (or tied) on the held-out batch"
                    : String.format(Locale.ROOT, "; on the held-out batch %s is best (%.3g against %.3g)", heldBest.estimator(),
                            heldBest.heldoutMean(), best.heldoutMean());
            if (best.mean() <= 0) {
                sentences.add(g.getKey() + ": no estimator lowers the loss at any lr of the grid.");
            } else {
                sentences.add(String.format(Locale.ROOT, "%s: %s gives the largest decrease, %.3g%s; %s%s.", g.getKey(), best.estimator(),
                        best.mean(), vsSte, separable, held));
            }
            c.headline(SECTION, String.format(Locale.ROOT, "finding %s best=%s best_decrease=%.6g ratio_to_ste=%s separable=%s",
                    g.getKey().replace(", ", " ").replace(' ', '_').replace("_dim=", " dim=").replaceFirst("^", "variant="),
                    best.estimator(), best.mean(), ste == null || ste.mean() <= 0 ? "none" : String.format(Locale.ROOT, "%.3f",
                            best.mean() / ste.mean()), apart ? "yes" : "no"));
            for (Cells.Cell x : cells) {
                if (x.noDescent() > 0) {
                    flags.add(String.format(Locale.ROOT, "%s, %s: no descent in %d of %d repeats (no lr of the grid lowers the loss).",
                            g.getKey(), x.estimator(), x.noDescent(), x.best().size()));
                }
                long atEdge = edges.length < 2 ? 0
                        : x.lr().stream().filter(lr -> Math.abs(lr - edges[0]) < 1e-12 || Math.abs(lr - edges[1]) < 1e-12).count();
                if (atEdge > 0) {
                    flags.add(String.format(Locale.ROOT, "%s, %s: best lr at the edge of the grid (%s) in %d of %d repeats; widen the grid.",
                            g.getKey(), x.estimator(), x.lr().get(0) <= edges[0] + 1e-12 ? "lowest" : "highest", atEdge, x.lr().size()));
                }
            }
        }
        int n = 0;
        for (String k : c.keys("pretrain")) {
            JsonNode p = c.params("pretrain", k);
            float[] losses = PretrainPart.losses(c, k);
            double rel = Pretrainer.Result.lastTenthRelativeDecrease(losses);
            String what = "pretraining of dim=" + p.path("model").path("dim").asInt() + " model #" + n++;
            if (Pretrainer.Result.endsOnSpike(losses)) {
                flags.add(what + " ended on a loss spike: the pretrained model is not at a minimum.");
            } else if (rel >= PretrainPart.PLATEAU) {
                flags.add(String.format(Locale.ROOT, "%s had not plateaued (the loss still fell %.1f%% over the last tenth of the steps).",
                        what, 100 * rel));
            }
        }
        if (sentences.isEmpty() && flags.isEmpty()) {
            return;
        }
        StringBuilder h = new StringBuilder();
        if (!sentences.isEmpty()) {
            h.append("<ul class=findings>");
            sentences.forEach(s -> h.append("<li>").append(Html.esc(s)).append("</li>"));
            h.append("</ul>");
        }
        if (!flags.isEmpty()) {
            h.append("<p><b>Check these:</b></p><ul class=flags>");
            flags.forEach(s -> h.append("<li class=bad>").append(Html.esc(s)).append("</li>"));
            h.append("</ul>");
        }
        c.html(SECTION, h.toString());
    }

    /** The lowest and highest rate of the run's lr grid (empty without sweeps). */
    private static double[] gridEdges(ReportContext c) {
        List<String> sweeps = c.keys("lr-sweep");
        if (sweeps.isEmpty()) {
            return new double[0];
        }
        JsonNode p = c.params("lr-sweep", sweeps.get(0));
        float[] grid = bitgrad.models.measure.LrSweep.grid(p.path("lr_start").asDouble(), p.path("lr_step").asDouble(),
                p.path("lr_count").asInt());
        return new double[] {grid[0], grid[grid.length - 1]};
    }
}
