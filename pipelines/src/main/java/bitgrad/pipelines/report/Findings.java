package bitgrad.pipelines.report;

import bitgrad.models.estimators.Pretrainer;
import bitgrad.models.estimators.RandomDirectionEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.stats.Corrections;
import bitgrad.models.stats.PairedTest;
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
 * relative to STE, and whether it beats the runner-up on held-out rows (paired t over inits, Holm
 * over the report's claims; see {@link Claim}); then what looks suspicious (a best lr still at an
 * end of the rates swept after the grid's extension, no descent, pretraining that ended on a
 * spike or had not converged). Sentences are generated from the numbers; each is also a
 * {@code finding} headline.
 */
final class Findings implements Part {

    /** Bumped whenever what the findings say changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 7;
    }

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
        List<Claim> claims = new ArrayList<>();
        for (Map.Entry<String, List<Cells.Cell>> g : groups.entrySet()) {
            claims.add(claim(g.getKey(), g.getValue()));
            String none = noDescent(g.getKey(), g.getValue());
            if (none != null) {
                flags.add(none);
            }
            for (Cells.Cell x : g.getValue()) {
                if (x.atEdge() > 0) {
                    flags.add(String.format(Locale.ROOT, "%s, %s: best lr still at an end of the rates swept (%s .. %s, the grid "
                            + "extended to its limit) in %d of %d repeats: unresolved.", g.getKey(), x.estimator(),
                            ResultTables.plain(x.sweptLow()), ResultTables.plain(x.sweptHigh()), x.atEdge(), x.lr().size()));
                }
            }
        }
        // the report's claims of a winner are one family: Holm keeps the chance of any false one within alpha
        double[] holm = Corrections.holm(claims.stream().filter(Claim::testable).mapToDouble(x -> x.test().p()).toArray());
        int tested = 0;
        for (Claim x : claims) {
            double adjusted = x.testable() ? holm[tested++] : Double.NaN;
            sentences.add(x.sentence(adjusted));
            c.headline(SECTION, x.headline(adjusted));
        }
        int n = 0;
        List<String> moving = new ArrayList<>();
        List<Double> fell = new ArrayList<>();
        List<Double> rose = new ArrayList<>();
        for (String k : c.keys("pretrain")) {
            JsonNode p = c.params("pretrain", k);
            float[] losses = PretrainPart.losses(c, k);
            double rel = Pretrainer.Result.lastTenthRelativeDecrease(losses);
            String what = "dim=" + p.path("model").path("dim").asInt() + " model #" + n++;
            if (Pretrainer.Result.endsOnSpike(losses)) {
                flags.add("pretraining of " + what + " ended on a loss spike: the pretrained model is not at a minimum.");
            } else if (!Pretrainer.Result.plateaued(losses)) {
                moving.add(String.format(Locale.ROOT, "%s %s %.1f%%", what, rel > 0 ? "fell" : "rose", 100 * Math.abs(rel)));
                (rel > 0 ? fell : rose).add(100 * Math.abs(rel));
            }
        }
        if (!moving.isEmpty()) {
            // one line for all of them (a line per model buried the answer below it), and past a few models their spread
            flags.add(String.format(Locale.ROOT, "pretraining had not plateaued in %d of %d models (the loss over the last tenth of the "
                    + "steps: %s).", moving.size(), n, moving.size() <= FLAGGED_SETTINGS ? String.join(", ", moving) : spread("fell", fell)
                            + (fell.isEmpty() || rose.isEmpty() ? "" : ", ") + spread("rose", rose) + "; each model: pretrain_plateau"));
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

    /**
     * One line for a (variant, dim) group's estimators with repeats where no rate of the grid lowers
     * the loss, or null when every repeat descends: after pretraining the one-sided NES forms often
     * do not, and a line per setting pushed the page's answer off its first screen.
     */
    static String noDescent(String group, List<Cells.Cell> cells) {
        List<String> which = new ArrayList<>();
        Map<String, Family> families = new LinkedHashMap<>();
        for (Cells.Cell x : cells) {
            Family f = families.computeIfAbsent(x.spec().family(), k -> new Family());
            f.settings++;
            f.repeats = Math.max(f.repeats, x.best().size());
            if (x.noDescent() > 0) {
                which.add(String.format(Locale.ROOT, "%s %d/%d", x.estimator(), x.noDescent(), x.best().size()));
                f.flagged++;
                f.fewest = Math.min(f.fewest, x.noDescent());
                f.most = Math.max(f.most, x.noDescent());
            }
        }
        if (which.isEmpty()) {
            return null;
        }
        String head = String.format(Locale.ROOT, "%s: no descent (no lr of the grid lowers the loss) in some repeats of ", group);
        if (which.size() <= FLAGGED_SETTINGS) {
            return head + String.format(Locale.ROOT, "%s: %s.", which.size() == 1 ? "one setting" : which.size() + " settings",
                    String.join("; ", which));
        }
        // a grid's worth of settings (a pretrained NES grid): counted per family, each setting's count in the table
        List<String> counted = new ArrayList<>();
        families.forEach((family, f) -> {
            if (f.flagged > 0) {
                String reps = (f.fewest == f.most ? String.valueOf(f.fewest) : f.fewest + "-" + f.most) + " of " + f.repeats;
                counted.add(f.settings == 1 ? String.format(Locale.ROOT, "%s (%s repeats)", family, reps) : String.format(Locale.ROOT,
                        "%s %d of %d (%s repeats)", family, f.flagged, f.settings, reps));
            }
        });
        return head + String.format(Locale.ROOT, "%d of %d settings: %s; per setting: repeats_no_descent of best_settings.", which.size(),
                cells.size(), String.join(", ", counted));
    }

    /** One family's settings in a group: how many, how many without descent somewhere, the fewest and most such repeats. */
    private static final class Family {
        int settings;
        int flagged;
        int fewest = Integer.MAX_VALUE;
        int most;
        int repeats;
    }

    /** "fell 1.9-7.5% in 22" for the percentages of models that moved one way ("" for none). */
    static String spread(String way, List<Double> percents) {
        if (percents.isEmpty()) {
            return "";
        }
        double lo = percents.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
        double hi = percents.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        return String.format(Locale.ROOT, "%s %s%% in %d", way, lo == hi ? String.format(Locale.ROOT, "%.1f", lo) : String.format(Locale.ROOT,
                "%.1f-%.1f", lo, hi), percents.size());
    }

    /** Settings (and unplateaued models) a line names one by one; beyond, it counts them. */
    static final int FLAGGED_SETTINGS = 4;

    /**
     * One (variant, dim) group's answer: the winner, picked by its mean best decrease on the
     * gradient batches, tested against the runner-up on the held-out batches (the decrease at each
     * repeat's chosen lr), as paired differences averaged within each init and tested across inits.
     *
     * @param test the paired test over inits (null when there is no runner-up)
     * @param unresolved why no claim may rest on this group (a best lr at a grid edge), or null
     */
    record Claim(String group, Cells.Cell best, Cells.Cell second, Cells.Cell ste, Cells.Cell control, PairedTest test, String unresolved) {

        boolean testable() {
            return test != null && test.n() >= 2 && unresolved == null;
        }

        boolean separable(double adjusted) {
            return testable() && adjusted < PairedTest.ALPHA;
        }

        String sentence(double adjusted) {
            if (best.mean() <= 0) {
                return group + ": no estimator lowers the loss at any lr of the grid.";
            }
            String vsSte = ste == null || best == ste ? "" : ste.mean() > 0
                    ? String.format(Locale.ROOT, ", %.2f times STE's %.3g", best.mean() / ste.mean(), ste.mean())
                    : String.format(Locale.ROOT, "; STE does not descend here (%.3g)", ste.mean());
            String verdict;
            if (second == null) {
                verdict = "the only estimator";
            } else if (unresolved != null) {
                verdict = "unresolved: " + unresolved + " (the grid was extended to its limit), so no comparison is made";
            } else if (test.n() < 2) {
                verdict = String.format(Locale.ROOT, "not decided: one init, so no spread to test the gap to %s (%.3g) with; "
                        + "raise num_init (the unit of replication; data.num_batch adds batches within an init)", second.estimator(),
                        second.mean());
            } else if (separable(adjusted)) {
                verdict = String.format(Locale.ROOT, "ahead of %s (%.3g) on the held-out batches by %.2g (95%% interval %.2g to %.2g; "
                        + "paired t over %d inits, Holm-adjusted p=%.2g)", second.estimator(), second.mean(), test.mean(), test.low(),
                        test.high(), test.n(), adjusted);
            } else {
                verdict = String.format(Locale.ROOT, "not decided against %s (%.3g): on the held-out batches the paired difference is %.2g "
                        + "(95%% interval %.2g to %.2g; paired t over %d inits, Holm-adjusted p=%.2g); this design detects differences "
                        + "of %.2g with 80%% power: raise num_init to decide smaller ones", second.estimator(), second.mean(),
                        test.mean(), test.low(), test.high(), test.n(), adjusted, test.detectable());
            }
            String against = control == null ? "" : String.format(Locale.ROOT, " (random directions, the control: %.3g)", control.mean());
            return String.format(Locale.ROOT, "%s: %s gives the largest decrease on the gradient batches, %.3g%s%s; %s.", group,
                    best.estimator(), best.mean(), vsSte, against, verdict);
        }

        String headline(double adjusted) {
            return String.format(Locale.ROOT, "finding %s best=%s best_decrease=%.6g ratio_to_ste=%s separable=%s inits=%d p=%s%s",
                    group.replace(", ", " ").replace(' ', '_').replace("_dim=", " dim=").replaceFirst("^", "variant="),
                    best.estimator(), best.mean(), ste == null || ste.mean() <= 0 ? "none" : String.format(Locale.ROOT, "%.3f",
                            best.mean() / ste.mean()), separable(adjusted) ? "yes" : "no", test == null ? 0 : test.n(),
                    testable() ? String.format(Locale.ROOT, "%.3g", adjusted) : "none",
                    unresolved == null ? "" : " unresolved=grid-edge")
                    + (control == null ? "" : String.format(Locale.ROOT, " random_decrease=%.6g", control.mean()));
        }
    }

    /** The claim of one (variant, dim) group. */
    static Claim claim(String group, List<Cells.Cell> all) {
        // the control is what every estimator is read against, never a candidate
        Cells.Cell control = all.stream().filter(x -> x.spec() instanceof RandomDirectionEstimator).findFirst().orElse(null);
        List<Cells.Cell> cells = all.stream().filter(x -> x != control).toList();
        Cells.Cell best = cells.stream().max(Comparator.comparingDouble(Cells.Cell::mean)).orElseThrow();
        Cells.Cell ste = cells.stream().filter(x -> x.spec() instanceof SteEstimator).findFirst().orElse(null);
        Cells.Cell second = cells.stream().filter(x -> x != best).max(Comparator.comparingDouble(Cells.Cell::mean)).orElse(null);
        if (second == null) {
            return new Claim(group, best, null, ste, control, null, null);
        }
        String unresolved = best.atEdge() + second.atEdge() > 0 ? "the best lr of " + (best.atEdge() > 0 ? best.estimator()
                : second.estimator()) + " still lies at an end of the rates swept" : null;
        // paired by repeat (the same model and batch), averaged within each init: the init is the unit
        return new Claim(group, best, second, ste, control, best.heldoutAgainst(second), unresolved);
    }
}
