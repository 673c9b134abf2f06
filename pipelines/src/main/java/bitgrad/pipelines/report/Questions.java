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

        /**
         * Above zero by a two-sided t test at alpha 0.05 ({@code mean / se} beyond Student's t
         * quantile with n - 1 degrees of freedom, not a fixed 2, which calls 18 % of null
         * differences with 3 repeats; see {@code VerdictStatisticsTest}).
         */
        boolean positive() {
            return n >= 2 && se > 0 && mean / se > critical();
        }

        boolean negative() {
            return n >= 2 && se > 0 && -mean / se > critical();
        }

        /** How many standard errors a difference must exceed with these n repeats. */
        double critical() {
            return n < 2 ? Double.POSITIVE_INFINITY
                    : bitgrad.models.stats.StudentT.quantile(1 - bitgrad.models.stats.PairedTest.ALPHA / 2, n - 1);
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
