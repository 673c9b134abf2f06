package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.CorruptArtifactException;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent runs on one runs dir, generated bad input, and damaged cache files of every kind. */
class ReliabilityTest {


    @Test
    void twoRunsOnOneRunsDirBothFinishAndTheCacheStaysConsistent(@TempDir Path runs) throws Exception {
        Path shared = runs.resolve("shared");
        Process a = CliFixture.child(runs, "run", CliFixture.TINY, "--runs-dir", shared.toString());
        Process b = CliFixture.child(runs, "run", CliFixture.TINY, "--runs-dir", shared.toString());
        assertTrue(a.waitFor(5, TimeUnit.MINUTES) && b.waitFor(5, TimeUnit.MINUTES), "both runs finish");
        assertEquals(0, a.exitValue(), () -> "first run: " + childLogs(runs));
        assertEquals(0, b.exitValue(), () -> "second run: " + childLogs(runs));
        try (Stream<Path> s = Files.list(shared)) {
            assertEquals(2, s.filter(p -> Files.exists(p.resolve("run.json"))).count(), "two run records");
        }
        CliFixture.Result verify = CliFixture.cli("cache", "verify", "--runs-dir", shared.toString());
        assertEquals(0, verify.code(), verify.out() + verify.err());
        Path solo = runs.resolve("solo");
        CliFixture.run(solo);
        Map<String, byte[]> x = CliFixture.arrowFiles(shared.resolve("cache"));
        Map<String, byte[]> y = CliFixture.arrowFiles(solo.resolve("cache"));
        assertEquals(y.keySet(), x.keySet(), "the same artifacts as one run alone");
        y.forEach((k, v) -> assertArrayEquals(v, x.get(k), k));
        CliFixture.Result again = CliFixture.run(shared);
        again.stages().forEach((stage, s) -> assertEquals("hit", s[0], stage + " after two concurrent runs"));
    }

    /** What the child processes printed, for a failure message. */
    static String childLogs(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            StringBuilder b = new StringBuilder();
            for (Path p : s.filter(p -> p.getFileName().toString().startsWith("child-")).sorted().toList()) {
                String text = Files.readString(p);
                b.append("\n--- ").append(p.getFileName()).append('\n').append(text.length() > 3000 ? text.substring(text.length() - 3000) : text);
            }
            return b.toString();
        } catch (java.io.IOException e) {
            return "(no logs: " + e.getMessage() + ")";
        }
    }

    // ------------------------------------------------------------------ fuzzing

    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** Every leaf key of defaults.yaml with its default value. */
    static void leaves(JsonNode n, String prefix, List<Map.Entry<String, JsonNode>> out) {
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            if (e.getValue().isObject()) {
                leaves(e.getValue(), key + ".", out);
            } else {
                out.add(Map.entry(key, e.getValue()));
            }
        }
    }

    /** Values of the wrong type or shape for a leaf whose default is {@code v}: each must be refused. */
    static List<String> badValues(JsonNode v) {
        List<String> bad = new ArrayList<>(List.of("{zz: 1}", "[1, 2", "{"));
        if (v.isNumber()) {
            bad.add("\"abc\"");
            bad.add("[[1]]");
        } else if (v.isBoolean()) {
            bad.add("maybe");
        } else if (v.isArray()) {
            bad.add("[{zz: 1}]");
        } else {
            bad.add("[1, [2]]");
        }
        return bad;
    }

    /** Generated malformed experiment files, each refused for a reason of its own. */
    static List<String> badYamlFiles(String good, List<Map.Entry<String, JsonNode>> leaves, SplittableRandom r) {
        List<String> out = new ArrayList<>();
        String[] lines = good.split("\n");
        for (int i = 0; i < 12; i++) {
            int at = 1 + r.nextInt(lines.length - 1);
            List<String> l = new ArrayList<>(Arrays.asList(lines));
            switch (i % 4) {
                case 0 -> l.add(at, "\tbroken: tab");
                case 1 -> l.add(at, "dims: [4, 8");
                case 2 -> l.add(at, "zz_unknown_" + i + ": 1");
                default -> l.add(at, "::: {]");
            }
            out.add(String.join("\n", l));
        }
        out.add("- just\n- a list\n");
        out.add("42");
        out.add("dims: [8]\nmodel: 3\n");
        out.add("dims: [8]\nmodel:\n  depth: 2\n  nonsense: true\n");
        for (int i = 0; i < 10; i++) {
            Map.Entry<String, JsonNode> leaf = leaves.get(r.nextInt(leaves.size()));
            String[] path = leaf.getKey().split("\\.");
            StringBuilder y = new StringBuilder("dims: [4]\n");
            for (int d = 0; d < path.length - 1; d++) {
                y.append("  ".repeat(d)).append(path[d]).append(":\n");
            }
            y.append("  ".repeat(path.length - 1)).append(path[path.length - 1]).append(": {zz: 1}\n");
            out.add(y.toString());
        }
        return out;
    }

    @Test
    void twoHundredGeneratedBadInputsAllExitTwoWithOneLineAndLeaveTheCacheAlone(@TempDir Path runs) throws Exception {
        CliFixture.run(runs);
        Map<String, String> before = CliFixture.snapshot(runs.resolve("cache"));
        JsonNode defaults;
        try (InputStream in = getClass().getResourceAsStream("/experiments/defaults.yaml")) {
            defaults = YAML.readTree(in);
        }
        List<Map.Entry<String, JsonNode>> leaves = new ArrayList<>();
        leaves(defaults, "", leaves);
        List<String[]> cases = new ArrayList<>();
        String rd = runs.toString();
        for (Map.Entry<String, JsonNode> leaf : leaves) {
            for (String bad : badValues(leaf.getValue())) {
                cases.add(new String[] {"run", "quickstart", "--runs-dir", rd, "--set", leaf.getKey() + "=" + bad});
            }
        }
        for (String s : List.of("nokey", "=1", "dims", "model=1", "model.depth.x=1", "a..b=1", "estimators.cdg=1", "zz=1",
                "model.zz=1", "dims=", "cdg.zz=1")) {
            cases.add(new String[] {"run", "quickstart", "--runs-dir", rd, "--set", s});
        }
        SplittableRandom r = new SplittableRandom(7);
        String good = new String(getClass().getResourceAsStream("/experiments/quickstart.yaml").readAllBytes(), StandardCharsets.UTF_8);
        int i = 0;
        for (String yaml : badYamlFiles(good, leaves, r)) {
            Path f = runs.resolve("bad-" + (i++) + ".yaml");
            Files.writeString(f, yaml);
            cases.add(new String[] {"run", f.toString(), "--runs-dir", rd});
        }
        String[][] cli = {{"run"}, {"run", "quickstart", "--bogus"}, {"run", "quickstart", "--parallelism", "x"},
            {"run", "quickstart", "--parallelism", "-3"}, {"run", "quickstart", "--runner"}, {"run", "quickstart", "--runner", "spark"},
            {"run", "quickstart", "--device", "tpu"}, {"run", "quickstart", "--force", "nope"}, {"run", "quickstart", "--from", "nope"},
            {"run", "quickstart", "--only", "nope"}, {"run", "quickstart", "--only", "estimate", "--from", "pretrain"},
            {"run", "quickstart", "--flink-master", "x:1"}, {"run", "quickstart", "--runner", "flink", "--flink-master", "nohost"},
            {"run", "quickstart", "--runner", "flink", "--flink-master", "a:b"}, {"frobnicate"}, {"show"}, {"show", "nope", "--runs-dir", rd},
            {"status"}, {"report", "nope", "--runs-dir", rd}, {"cache", "nope", "--runs-dir", rd}, {"bench", "cdg", "--eps", "-1"},
            {"bench", "cdg", "--dim", "0"}, {"bench", "nes", "--samples", "0"}, {"bench", "resnet-cdg", "--layer", "17"},
            {"bench", "resnet-cdg", "--channels", "0"}, {"bench", "resnet-cdg", "--activation", "bogus"},
            {"bench", "resnet-cdg", "--eps", "0"}, {"run", "quickstart", "--set"}, {"experiments", "--bogus"},
            {"run", "quickstart", "--runs-dir", runs.resolve("bad-0.yaml").toString()}};
        for (String[] c : cli) {
            boolean needsDir = (c[0].equals("run") || c[0].equals("status")) && c.length > 1 && !List.of(c).contains("--runs-dir");
            cases.add(needsDir ? java.util.stream.Stream.concat(Arrays.stream(c), Stream.of("--runs-dir", rd)).toArray(String[]::new) : c);
        }
        assertTrue(cases.size() >= 200, "generated " + cases.size() + " cases");
        List<String> failures = new ArrayList<>();
        for (String[] c : cases) {
            CliFixture.Result res = CliFixture.cli(c);
            String err = res.err().strip();
            boolean ok = res.code() == 2 && err.lines().count() == 1 && !(res.out() + res.err()).contains("\tat ")
                    && !err.contains("Exception");
            if (!ok) {
                failures.add(String.join(" ", c) + " -> exit " + res.code() + ": " + err + " | " + res.out().strip());
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + cases.size() + " bad inputs misbehaved:\n" + String.join("\n", failures));
        assertEquals(before, CliFixture.snapshot(runs.resolve("cache")), "the cache is unchanged");
        System.out.println("bad-input cases: " + cases.size());
    }

    // ------------------------------------------------------------------ damaged cache files

    /** Finds the byte offset of {@code needle} in {@code hay}, or -1. */
    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Rewrites an artifact's manifest so size and checksum match the (damaged) files: only the content check can tell. */
    static void reseal(Path dir) throws Exception {
        ObjectMapper json = Task.JSON;
        ObjectNode m = (ObjectNode) json.readTree(dir.resolve(ArtifactStore.MANIFEST).toFile());
        Iterator<Map.Entry<String, JsonNode>> it = m.path("files").fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            Path f = dir.resolve(e.getKey());
            ((ObjectNode) e.getValue()).put("bytes", Files.size(f)).put("sha256", ArtifactStore.sha256(f));
        }
        json.writeValue(dir.resolve(ArtifactStore.MANIFEST).toFile(), m);
    }

    @Test
    void truncatedFlippedAndWrongVersionArrowFilesAreDetectedAndRecomputed(@TempDir Path runs) throws Exception {
        CliFixture.run(runs);
        Path cache = runs.resolve("cache");
        Map<String, byte[]> original = CliFixture.arrowFiles(cache);
        List<Path> estimates;
        try (Stream<Path> s = Files.list(cache.resolve("estimate"))) {
            estimates = s.sorted().toList();
        }
        Path truncated = estimates.get(0).resolve("gradient.arrow");
        Path flipped = estimates.get(1).resolve("gradient.arrow");
        Path version = estimates.get(2).resolve("gradient.arrow");
        assertTrue(Files.exists(truncated), "estimate artifacts hold gradient.arrow: " + Files.list(estimates.get(0)).toList());
        byte[] t = Files.readAllBytes(truncated);
        Files.write(truncated, Arrays.copyOf(t, t.length / 2));
        byte[] f = Files.readAllBytes(flipped);
        f[f.length / 2] ^= 0x5a;
        Files.write(flipped, f);
        byte[] v = Files.readAllBytes(version);
        // the schema is stored twice (stream header and file footer), each time as the value "1" just before the key
        byte[] key = "bitgrad.schema_version".getBytes(StandardCharsets.US_ASCII);
        byte[] needle = new byte[8 + 4 + key.length];
        System.arraycopy(new byte[] {1, 0, 0, 0, '1', 0, 0, 0, (byte) key.length, 0, 0, 0}, 0, needle, 0, 12);
        System.arraycopy(key, 0, needle, 12, key.length);
        int patched = 0;
        for (int i = 0; i + needle.length <= v.length; i++) {
            if (indexOf(Arrays.copyOfRange(v, i, i + needle.length), needle) == 0) {
                v[i + 4] = '9';
                patched++;
            }
        }
        assertEquals(2, patched, "version metadata found in header and footer");
        Files.write(version, v);
        CorruptArtifactException e = assertThrows(CorruptArtifactException.class, () -> ArrowFiles.read(version));
        assertTrue(e.getMessage().contains("version 9"), e.getMessage());
        reseal(estimates.get(2));
        reseal(estimates.get(0));

        CliFixture.Result verify = CliFixture.cli("cache", "verify", "--runs-dir", runs.toString());
        assertFalse(verify.code() == 0, "cache verify reports the damage: " + verify.out());
        for (Path p : List.of(estimates.get(0), estimates.get(1), estimates.get(2))) {
            assertTrue(verify.out().contains(p.getFileName().toString()), "verify names " + p + ":\n" + verify.out());
        }
        CliFixture.Result r = CliFixture.run(runs);
        CliFixture.assertStage(r, "estimate", "miss", 3);
        Map<String, byte[]> after = CliFixture.arrowFiles(cache);
        assertEquals(original.keySet(), after.keySet());
        original.forEach((k, b) -> assertArrayEquals(b, after.get(k), k + " recomputed identically"));
        assertEquals(0, CliFixture.cli("cache", "verify", "--runs-dir", runs.toString()).code());
    }

    // ------------------------------------------------------------------ bounded memory

    /** Runs an experiment in a child JVM with {@code -Xmx2g}, sampling its resident memory; returns the peak in MiB. */
    static long peakRssMiB(Path runs, String yaml) throws Exception {
        Path config = runs.resolve("mem-" + System.nanoTime() + ".yaml");
        Files.writeString(config, yaml);
        List<String> cmd = CliFixture.cliCommand(List.of("-Xmx2g"), "run", config.toString(), "--runs-dir", runs.toString());
        Path log = runs.resolve("mem.log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long peak = 0;
        Path status = Path.of("/proc", Long.toString(p.pid()), "status");
        while (p.isAlive()) {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        peak = Math.max(peak, Long.parseLong(line.replaceAll("\\D", "")) / 1024);
                    }
                }
            } catch (java.io.IOException gone) {
                break;
            }
            Thread.sleep(250);
        }
        p.waitFor();
        String out = Files.readString(log);
        assertFalse(out.contains("OutOfMemoryError"), out);
        assertEquals(0, p.exitValue(), out);
        return peak;
    }

    @Test
    @org.junit.jupiter.api.Tag("heavy")
    void a640kBatchAndA50kSampleNesRunWithTwoGigabytesOfHeap(@TempDir Path runs) throws Exception {
        String base = "seed: 1\ndims: [16]\nmodel:\n  depth: 4\n  activation: sign\nsweep:\n  lr_count: 20\n";
        long big = peakRssMiB(runs, base + "data:\n  batch: [640000]\nestimators:\n  ste: true\n  cdg:\n    eps: []\n  nes:\n"
                + "    samples: []\n  sr_ste:\n    tau: [1.0]\n    k: [1]\n");
        long nes = peakRssMiB(runs, base + "data:\n  batch: [1024]\nestimators:\n  ste: false\n  cdg:\n    eps: []\n  nes:\n"
                + "    sigma: [0.01]\n    samples: [50000]\n");
        System.out.println("peak resident memory with -Xmx2g: 640k-row batch " + big + " MiB, NES 50000 samples " + nes + " MiB");
        assertTrue(big < 6144 && nes < 6144, "native memory is released per chunk: peaks " + big + " and " + nes + " MiB");
    }
}
