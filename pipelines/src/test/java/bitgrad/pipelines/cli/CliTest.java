package bitgrad.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The CLI as a user meets it: exit codes, one-line errors, output formats. */
class CliTest {

    /** Exit code, stdout and stderr of one invocation. */
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BitgradCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void versionNamesBitgradAndItsEngine() {
        Result r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("bitgrad "), r.out());
        assertTrue(r.out().contains("DJL 0.36.0"), r.out());
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("run") && r.out().contains("bench"), r.out());
        // each command's summary (its description's first line) is one whole sentence, not a cut one
        picocli.CommandLine cl = new picocli.CommandLine(new BitgradCli());
        assertTrue(cl.getSubcommands().size() >= 9, "every command: " + cl.getSubcommands().keySet());
        cl.getSubcommands().forEach((name, sub) -> {
            String[] d = sub.getCommandSpec().usageMessage().description();
            if (d.length > 0) {
                assertTrue(d[0].endsWith("."), name + "'s summary is cut mid-sentence: " + d[0]);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "frob",
        "bench frob",
        "run no-such-experiment",
        "bench cdg --eps -1",
        "bench cdg --eps 0",
        "bench cdg --eps nan",
        "bench nes --sigma -0.01",
        "bench nes --samples -5",
        "bench nes --samples 0",
        "bench cdg --dim 0",
        "bench cdg --dim -3",
        "bench cdg --dim abc",
        "bench cdg --batch 0",
        "bench cdg --depth -1",
        "bench cdg --lrs 0",
        "bench cdg --batches -1",
        "bench cdg --activation relu",
        "bench cdg --activation swishsign:-2",
        "bench cdg --unknown-option",
        "bench sr-ste --tau 0",
        "bench sr-ste --k 0",
        "bench sr-ste --backward sideways",
        "run",
    })
    void badInputIsOneLineOnStderrWithExitCode2(String args) {
        Result r = run(args.split(" "));
        assertEquals(2, r.code(), args + " -> " + r.err());
        String err = r.err().strip();
        assertFalse(err.isEmpty(), args);
        assertEquals(1, err.lines().count(), args + " printed:\n" + err);
        assertTrue(err.startsWith("bitgrad: "), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        assertEquals("", r.out(), args);
    }

    @Test
    void noCommandPrintsUsageAndExits2() {
        Result r = run();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("Usage: bitgrad"), r.err());
    }

    static final Pattern BATCH = Pattern.compile("batch=(\\d+) best_loss=(\\S+) best_lr=(\\S+) seconds=(\\S+)");
    static final Pattern SUMMARY = Pattern.compile(
            "(\\S+(?: method=\\S+)?) seconds_per_gradient=(\\S+) estimate_seconds=\\S+ sweep_seconds=\\S+ gflops=(\\S+) "
                    + "matmul_gflops=(\\S+) ratio=(\\S+) estimate_ratio=(\\S+) sweep=(line|copies)");

    @Test
    void benchPrintsOneLinePerBatchAndASummary() {
        Result r = run("bench", "cdg", "--dim", "4", "--batch", "64", "--depth", "2", "--activation", "identity",
                "--lrs", "20", "--batches", "3", "--seed", "1");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\\R");
        assertEquals(4, lines.length, r.out());
        for (int i = 0; i < 3; i++) {
            Matcher m = BATCH.matcher(lines[i]);
            assertTrue(m.matches(), lines[i]);
            assertEquals(i, Integer.parseInt(m.group(1)));
            assertTrue(Double.parseDouble(m.group(2)) >= 0);
            // a time, printed to the millisecond: a batch this small can take less than half of one (no timing assertion here)
            assertTrue(Double.parseDouble(m.group(4)) >= 0, lines[i]);
        }
        Matcher s = SUMMARY.matcher(lines[3]);
        assertTrue(s.matches(), lines[3]);
        assertEquals("cdg method=delta", s.group(1));
        assertTrue(Double.parseDouble(s.group(3)) > 0 && Double.parseDouble(s.group(4)) > 0, lines[3]);
        // a ratio of rates, printed to three decimals: a 64-row estimate beside a fast probe can print 0.000 (no timing here)
        assertTrue(Double.parseDouble(s.group(6)) >= 0, lines[3]);
        assertEquals("line", s.group(7));
    }

    @Test
    void benchSweepsByLineOrByCopiesAlike() {
        // a quantized activation with full-precision weights: the line sweep, and its reference
        String[] args = {"bench", "ste", "--dim", "6", "--batch", "300", "--depth", "3", "--activation", "ternary",
            "--lrs", "40", "--batches", "2", "--seed", "2", "--sweep"};
        Result line = run(concat(args, "line"));
        Result copies = run(concat(args, "copies"));
        assertEquals(0, line.code(), line.err());
        assertEquals(0, copies.code(), copies.err());
        assertTrue(copies.out().strip().endsWith("sweep=copies"), copies.out());
        Matcher a = BATCH.matcher(line.out());
        Matcher b = BATCH.matcher(copies.out());
        for (int i = 0; i < 2; i++) {
            assertTrue(a.find() && b.find(), line.out() + copies.out());
            assertEquals(Double.parseDouble(b.group(2)), Double.parseDouble(a.group(2)), 1e-5 * Double.parseDouble(b.group(2)));
            assertEquals(b.group(3), a.group(3), "the same best lr");
        }
        Result bad = run(concat(args, "dense"));
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--sweep: sweep method must be line or copies, got 'dense'"), bad.err());
    }

    private static String[] concat(String[] args, String last) {
        String[] out = java.util.Arrays.copyOf(args, args.length + 1);
        out[args.length] = last;
        return out;
    }

    @Test
    void benchNesIsReproducible() {
        String[] args = {"bench", "nes", "--dim", "4", "--batch", "64", "--depth", "2", "--samples", "50", "--sigma", "0.05",
            "--lrs", "10", "--batches", "2", "--seed", "3"};
        Result a = run(args);
        Result b = run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(bestLosses(a.out()), bestLosses(b.out()));
    }

    private static String bestLosses(String out) {
        StringBuilder sb = new StringBuilder();
        Matcher m = BATCH.matcher(out);
        while (m.find()) {
            sb.append(m.group(2)).append(' ').append(m.group(3)).append('\n');
        }
        return sb.toString();
    }

    @Test
    void quickstartRunsEveryStageAndPrintsItsHeadlines(@org.junit.jupiter.api.io.TempDir java.nio.file.Path runs) {
        // one batch and the lr grid thinned to 100 rates over the same range: the full preset is CI's main job (.ci/run), not run twice
        Result r = run("run", "quickstart", "--runs-dir", runs.toString(), "--set", "sweep.lr_count=100", "--set", "sweep.lr_step=1.0e-3",
                "--set", "data.num_batch=1");
        assertEquals(0, r.code(), r.err());
        for (String est : new String[] {"ste", "cdg(eps=0.1)", "nes(sigma=0.1,n=500)", "sr-ste(tau=1.0,k=4)"}) {
            assertTrue(r.out().contains("result dim=16 activation=sign rows=4096 pretrained=1 estimator=" + est + " "),
                    "missing " + est + " in\n" + r.out());
        }
        Matcher m = Pattern.compile("rosenbrock start=0 estimator=cdg\\(eps=0.01\\) optimizer=adam steps=\\d+ final_f=(\\S+) "
                + "distance_to_min=(\\S+) final_cosine=(\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) < 1e-10, "Rosenbrock converges: " + m.group());
        assertTrue(Double.parseDouble(m.group(3)) > 0.999, m.group());
        assertTrue(r.out().contains("gradcheck estimator=cdg slope=2.0"), r.out());
    }

    @Test
    void everyCommandsHelpEndsWithExamples() {
        for (String[] cmd : List.of(new String[] {"--help"}, new String[] {"run", "--help"}, new String[] {"status", "--help"},
                new String[] {"show", "--help"}, new String[] {"report", "--help"}, new String[] {"experiments", "--help"},
                new String[] {"cache", "--help"}, new String[] {"cache", "verify", "--help"}, new String[] {"cache", "gc", "--help"},
                new String[] {"bench", "--help"})) {
            Result r = run(cmd);
            assertEquals(0, r.code(), String.join(" ", cmd));
            String tail = r.out().substring(r.out().lastIndexOf("Examples:"));
            long examples = tail.lines().filter(l -> l.startsWith("  bitgrad ")).count();
            assertTrue(r.out().contains("Examples:") && examples >= 2, String.join(" ", cmd) + ":\n" + r.out());
        }
    }

    @Test
    void threadsAreCheckedBeforeAnythingRuns(@org.junit.jupiter.api.io.TempDir java.nio.file.Path runs) {
        Result zero = run("run", bitgrad.pipelines.CliFixture.TINY, "--threads", "0", "--runs-dir", runs.toString());
        assertEquals(2, zero.code());
        assertTrue(zero.err().contains("--threads must be >= 1, got 0"), zero.err());
        Result yaml = run("run", bitgrad.pipelines.CliFixture.TINY, "--set", "threads=-1", "--runs-dir", runs.toString());
        assertEquals(2, yaml.code());
        assertTrue(yaml.err().contains("threads must be 0 (all cores) or a count of cores, got -1"), yaml.err());
    }
}
