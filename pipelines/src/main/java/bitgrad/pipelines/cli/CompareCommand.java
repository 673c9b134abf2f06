package bitgrad.pipelines.cli;

import bitgrad.pipelines.report.ReportPage;
import bitgrad.schemas.ArtifactStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bitgrad compare A B}: what differs between two runs' configurations, and their headline numbers side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n",
        footer = {"  bitgrad compare 20261128-131347-723-quickstart latest", "  bitgrad compare 2026112813 2026112814   (unique prefixes)",
            "  bitgrad compare baseline eps-0.03 eps-0.3   (each against the baseline)"},
        description = {"Compare runs with a baseline: the settings that differ, then the headline numbers that changed.",
            "Every configuration key whose value differs (config a=... b=...) first, then each headline whose numbers changed,",
            "side by side with the relative change ('a->b (+x%)'); a headline only one run has is printed with its numbers",
            "('only_in=a|b'); unchanged headlines are counted, and listed with --all. Then each estimator cell both runs",
            "measured: held-out decreases paired by repeat, averaged per init, t across inits (beyond_noise=yes|no)."})
final class CompareCommand implements Callable<Integer> {

    /** Headline keys that name what a line is about rather than a measured number. */
    static final Set<String> IDENTITY = Set.of("dim", "rows", "pretrained", "start", "model", "layer", "steps", "points", "repeats",
            "init", "batch");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_A", description = "Run id, a unique prefix of one, or 'latest': the baseline.")
    String a;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "RUN_B", description = "One or more runs, each compared with RUN_A.")
    List<String> others;

    @picocli.CommandLine.Option(names = "--all", description = "Also list the headlines whose numbers are the same in both runs.")
    boolean all;

    @Mixin
    RunsDirOption runs;

    @Override
    public Integer call() throws Exception {
        RunsDir.requireExisting(runs.runsDir);
        for (String b : others) {
            compare(b);
        }
        return 0;
    }

    /** RUN_A against {@code b}: one block, starting with its {@code compare a=... b=...} line. */
    private void compare(String b) throws Exception {
        String idA = RunsDir.resolve(runs.runsDir, a);
        String idB = RunsDir.resolve(runs.runsDir, b);
        JsonNode recA = RunsDir.record(runs.runsDir, idA);
        JsonNode recB = RunsDir.record(runs.runsDir, idB);
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "compare a=%s b=%s%n", idA, idB);
        Map<String, String> ca = new TreeMap<>();
        Map<String, String> cb = new TreeMap<>();
        flatten(recA.path("config"), "", ca);
        flatten(recB.path("config"), "", cb);
        Set<String> keys = new TreeSet<>(ca.keySet());
        keys.addAll(cb.keySet());
        int diffs = 0;
        for (String k : keys) {
            String va = ca.getOrDefault(k, "none");
            String vb = cb.getOrDefault(k, "none");
            if (!va.equals(vb)) {
                out.printf(Locale.ROOT, "config %s a=%s b=%s%n", k, va, vb);
                diffs++;
            }
        }
        if (diffs == 0) {
            out.println("config identical");
        }
        ArtifactStore store = new ArtifactStore(runs.runsDir.resolve("cache"));
        Map<String, Map<String, String>> ha = byIdentity(ReportPage.requireHeadlines(recA, store));
        Map<String, Map<String, String>> hb = byIdentity(ReportPage.requireHeadlines(recB, store));
        Set<String> lines = new java.util.LinkedHashSet<>(ha.keySet());
        lines.addAll(hb.keySet());
        int unchanged = 0;
        for (String id : lines) {
            Map<String, String> na = ha.get(id);
            Map<String, String> nb = hb.get(id);
            if (na == null || nb == null) {
                // one run has this line: its numbers, so nothing measured is hidden behind "only in"
                StringBuilder line = new StringBuilder(id).append(" only_in=").append(na == null ? "b" : "a");
                (na == null ? nb : na).forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
                out.println(line);
                continue;
            }
            StringBuilder line = new StringBuilder(id);
            Set<String> nums = new java.util.LinkedHashSet<>(na.keySet());
            nums.addAll(nb.keySet());
            boolean changed = false;
            for (String n : nums) {
                String va = na.getOrDefault(n, "none");
                String vb = nb.getOrDefault(n, "none");
                line.append(' ').append(n).append('=').append(va).append("->").append(vb);
                if (!va.equals(vb)) {
                    changed = true;
                    line.append(relative(va, vb));
                }
            }
            if (changed || all) {
                out.println(line);
            } else {
                unchanged++;
            }
        }
        if (unchanged > 0) {
            out.printf(Locale.ROOT, "unchanged=%d (headlines with the same numbers in both runs; --all lists them)%n", unchanged);
        }
        // every cell both runs measured: is the change beyond the repeats' noise? (the findings' paired test)
        bitgrad.schemas.ColumnTable sa = summary(recA, store);
        bitgrad.schemas.ColumnTable sb = summary(recB, store);
        if (sa != null && sb != null) {
            bitgrad.pipelines.report.RunDifference.lines(sa, sb, all).forEach(out::println);
        }
    }

    /** The run's summary table (per repeat), or null when it has none or it is not cached. */
    private static bitgrad.schemas.ColumnTable summary(JsonNode record, ArtifactStore store) {
        for (String a : RunsDir.artifacts(record)) {
            String[] ref = a.split("/");
            if (ref[0].equals("summary") && store.check(ref[0], ref[1]).valid()) {
                try {
                    return bitgrad.schemas.ArrowFiles.read(store.file(ref[0], ref[1], bitgrad.transforms.SummaryStage.SUMMARY.file()));
                } catch (java.io.IOException | RuntimeException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /** Headline lines keyed by their identity (first word and the tokens that name, not measure), to their numbers. */
    static Map<String, Map<String, String>> byIdentity(List<String> headlines) {
        Map<String, Map<String, String>> out = new LinkedHashMap<>();
        for (String h : headlines) {
            String[] tokens = h.split(" ");
            StringBuilder id = new StringBuilder(tokens[0]);
            Map<String, String> nums = new LinkedHashMap<>();
            for (int i = 1; i < tokens.length; i++) {
                int eq = tokens[i].indexOf('=');
                String k = eq < 0 ? tokens[i] : tokens[i].substring(0, eq);
                String v = eq < 0 ? "" : tokens[i].substring(eq + 1);
                if (k.equals("lr_range")) {
                    continue; // the sweep's range is context, not a number to compare nor part of a line's identity
                }
                if (!IDENTITY.contains(k) && isNumber(v)) {
                    nums.put(k, v);
                } else {
                    id.append(' ').append(tokens[i]);
                }
            }
            out.put(id.toString(), nums);
        }
        return out;
    }

    /** {@code (+x%)}, the change from a to b relative to a; empty where it has no meaning (a none, a zero). */
    static String relative(String a, String b) {
        try {
            double x = Double.parseDouble(a);
            double y = Double.parseDouble(b);
            return x == 0 || !Double.isFinite(x) || !Double.isFinite(y) ? ""
                    : String.format(Locale.ROOT, "(%+.1f%%)", 100 * (y - x) / Math.abs(x));
        } catch (NumberFormatException e) {
            return "";
        }
    }

    private static boolean isNumber(String v) {
        try {
            Double.parseDouble(v);
            return true;
        } catch (NumberFormatException e) {
            return v.equals("none");
        }
    }

    private static void flatten(JsonNode n, String prefix, Map<String, String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(e -> flatten(e.getValue(), prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(), out));
        } else {
            out.put(prefix, n.toString());
        }
    }
}
