package bitgrad.pipelines.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's answers to the research notes' open questions: each part adds a figure, its
 * evidence table and a verdict sentence generated from the numbers, also printed as a headline
 * {@code verdict question=<name> ...}. The page shows this section right after the findings.
 */
final class Questions {

    /** The page section of the answers. */
    static final String SECTION = "questions";

    private Questions() {
    }

    /** A paired difference over repeats: mean, standard error and count. */
    record Paired(double mean, double se, int n) {

        /** {@code a[i] - b[i]} over the repeats both have. */
        static Paired of(List<Double> a, List<Double> b) {
            List<Double> d = new ArrayList<>();
            for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
                d.add(a.get(i) - b.get(i));
            }
            double se = d.size() < 2 ? Double.NaN : Cells.Cell.sd(d) / Math.sqrt(d.size());
            return new Paired(Cells.Cell.mean(d), se, d.size());
        }

        /** The difference in units of {@code unit} (e.g. relative to a reference's mean). */
        Paired scaled(double unit) {
            return new Paired(mean / unit, se / Math.abs(unit), n);
        }

        /** Larger than two standard errors with at least three repeats. */
        boolean positive() {
            return n >= 3 && mean > 2 * se;
        }

        boolean negative() {
            return n >= 3 && -mean > 2 * se;
        }

        /** {@code +12% ± 5%} (of a difference already relative to a reference). */
        String percent() {
            return Math.abs(mean) < 0.005 ? String.format(Locale.ROOT, "0%% ± %.0f%%", 100 * se)
                    : String.format(Locale.ROOT, "%+.0f%% ± %.0f%%", 100 * mean, 100 * se);
        }

        /** {@code +1.2e-05 ± 3.4e-06}. */
        String text() {
            return String.format(Locale.ROOT, "%+.2g ± %.2g", mean, se);
        }
    }

    /** Adds the verdict: a sentence on the page (with its question) and the headline. */
    static void verdict(ReportContext c, String question, String title, String sentence, String headline) {
        c.html(SECTION, "<h3>" + Html.esc(title) + "</h3><p class=verdict><b>Verdict.</b> " + Html.esc(sentence) + "</p>");
        c.headline(SECTION, "verdict question=" + question + " " + headline);
    }
}
