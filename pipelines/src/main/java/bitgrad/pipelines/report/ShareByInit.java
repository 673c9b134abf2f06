package bitgrad.pipelines.report;

import bitgrad.models.stats.PairedTest;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per init, how many raw and pretrained estimates show one explanation of question
 * {@code nes-after-pretraining} (smoothing offset, curvature, batch noise): the init as the unit of
 * its test, the pretrained share minus the raw share per init, t over inits.
 */
final class ShareByInit {
    /** init -> [raw hits, raw count, pretrained hits, pretrained count]. */
    final Map<String, double[]> v = new TreeMap<>();

    void add(String init, boolean pretrained, boolean hit) {
        double[] c = v.computeIfAbsent(init, k -> new double[4]);
        c[pretrained ? 2 : 0] += hit ? 1 : 0;
        c[pretrained ? 3 : 1]++;
    }

    /** Per init with both kinds: pretrained share minus raw share; t over inits. */
    PairedTest test() {
        return PairedTest.of(v.values().stream().filter(c -> c[1] > 0 && c[3] > 0).mapToDouble(c -> c[2] / c[3] - c[0] / c[1]).toArray());
    }

    static boolean beyondChance(PairedTest t, double adjusted) {
        return t.n() >= 2 && t.mean() > 0 && adjusted < PairedTest.ALPHA;
    }

    /** The verdict's word on one share explanation, with its test. */
    static String say(boolean supported, double preShare, PairedTest t, double adjusted) {
        if (t.n() < 2) {
            return "not decided: fewer than 2 inits with raw and pretrained models";
        }
        String test = String.format(Locale.ROOT, "pretrained minus raw share per init %+.2f, 95%% interval %+.2f to %+.2f, t over %d"
                + " inits, Holm-adjusted p=%.2g%s", t.mean(), t.low(), t.high(), t.n(), adjusted, supported ? ""
                        : String.format(Locale.ROOT, "; the design detects a difference of %.2g with 80%% power", t.detectable()));
        return (supported ? "supported: " : preShare > 0.5 ? "not supported, not beyond chance: " : "not supported: ") + test;
    }
}
