package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.pipelines.cli.BitgradCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The end-to-end tests' fixture: the CLI in this JVM or in a child JVM, the few-second
 * {@code tiny.yaml} experiment, and snapshots of what a run left on disk.
 */
public final class CliFixture {

    /** Path of {@code tiny.yaml}, an experiment that touches every toy stage in a few seconds. */
    public static final String TINY = locate();

    private CliFixture() {
    }

    private static String locate() {
        try {
            return Path.of(CliFixture.class.getResource("/tiny.yaml").toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Exit code and output of one CLI invocation. */
    public record Result(int code, String out, String err, double seconds) {

        /** stage name to {cache, computed, tasks, reason, seconds} from the per-stage summary lines. */
        public Map<String, String[]> stages() {
            Map<String, String[]> m = new LinkedHashMap<>();
            Matcher x = Pattern.compile("stage=(\\S+) cache=(\\S+) reason=(\\S+) tasks=(\\d+) computed=(\\d+) seconds=(\\S+)").matcher(out);
            while (x.find()) {
                m.put(x.group(1), new String[] {x.group(2), x.group(5), x.group(4), x.group(3), x.group(6)});
            }
            return m;
        }

        /** Seconds spent in the DAG's stages (not in assembling the report). */
        public double stageSeconds() {
            return stages().values().stream().mapToDouble(s -> Double.parseDouble(s[4])).sum();
        }
    }

    /** Runs the CLI in this JVM. */
    public static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int code = BitgradCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString(), (System.nanoTime() - t0) / 1e9);
    }

    /** Runs {@code tiny.yaml} into {@code runs} and requires success. */
    public static Result run(Path runs, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", TINY, "--runs-dir", runs.toString()));
        args.addAll(Arrays.asList(extra));
        Result r = cli(args.toArray(String[]::new));
        assertEquals(0, r.code(), "run failed: " + r.err() + "\n" + r.out());
        return r;
    }

    private static Path finishedRun;

    /**
     * A copy, at {@code runs}, of a runs dir holding one finished tiny run: the run is made once per
     * test JVM (in a temporary folder removed when the JVM exits), and each test works on its own copy.
     */
    public static void finishedRunAt(Path runs) throws Exception {
        synchronized (CliFixture.class) {
            if (finishedRun == null) {
                Path dir = Files.createTempDirectory("finished-run-fixture");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    try {
                        bitgrad.schemas.ArtifactStore.deleteTree(dir);
                    } catch (java.io.IOException e) {
                        // a temporary folder of the test JVM; the system cleans it otherwise
                    }
                }));
                run(dir.resolve("runs"));
                finishedRun = dir.resolve("runs");
            }
        }
        try (Stream<Path> s = Files.walk(finishedRun)) {
            for (Path from : s.toList()) {
                Path to = runs.resolve(finishedRun.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
    }

    /** Asserts one stage's cache decision and computed task count. */
    public static void assertStage(Result r, String stage, String cache, int computed) {
        String[] s = r.stages().get(stage);
        assertTrue(s != null, "no line for stage " + stage + " in\n" + r.out());
        assertEquals(cache, s[0], stage + " cache decision in\n" + r.out());
        assertEquals(computed, Integer.parseInt(s[1]), stage + " computed tasks in\n" + r.out());
    }

    /** Every Arrow file under a cache, relative path to bytes. */
    public static Map<String, byte[]> arrowFiles(Path cache) throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(cache)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".arrow") && !p.toString().contains("/.tmp/")).sorted().toList()) {
                m.put(cache.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    /** Every file under a folder with its size and modification time: to prove nothing changed. */
    public static Map<String, String> snapshot(Path dir) throws Exception {
        Map<String, String> m = new TreeMap<>();
        if (!Files.exists(dir)) {
            return m;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                FileTime t = Files.getLastModifiedTime(p);
                m.put(dir.relativize(p).toString(), Files.size(p) + "@" + t.toMillis());
            }
        }
        return m;
    }

    /** The command line of a child JVM running the CLI on this test's classpath. */
    public static List<String> cliCommand(List<String> jvmOptions, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(jvmOptions);
        // the C1 compiler alone: a child runs for seconds, and C2's warm-up would cost a third of that
        cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "--add-opens=java.base/java.nio=ALL-UNNAMED", "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), "bitgrad.pipelines.cli.BitgradCli"));
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** Starts the CLI in a child JVM, its output in a log file under {@code dir}. */
    public static Process child(Path dir, String... args) throws Exception {
        return new ProcessBuilder(cliCommand(List.of(), args)).redirectErrorStream(true)
                .redirectOutput(dir.resolve("child-" + System.nanoTime() + ".log").toFile()).start();
    }

    /** A copy of {@code tiny.yaml} slowed down (more batches, more NES samples) so a child run can be caught mid-stage. */
    public static Path slowConfig(Path dir) throws Exception {
        Path config = dir.resolve("slow.yaml");
        Files.writeString(config, Files.readString(Path.of(TINY))
                .replace("num_batch: 2", "num_batch: 4").replace("samples: [50]", "samples: [2000]").replace("batch: 256", "batch: 2048"));
        return config;
    }
}
