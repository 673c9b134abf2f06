package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.pipelines.cli.BitgradCli;
import bitgrad.schemas.ArtifactStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cached stage DAG as a user drives it: reruns, overrides, damage, crashes and bad input. */
class PipelineTest {

    static String tiny;

    @BeforeAll
    static void locateConfig() throws URISyntaxException {
        tiny = Path.of(PipelineTest.class.getResource("/tiny.yaml").toURI()).toString();
    }

    /** Exit code and output of one CLI invocation. */
    record Result(int code, String out, String err, double seconds) {

        /** stage name to {cache, computed} from the per-stage summary lines. */
        Map<String, String[]> stages() {
            Map<String, String[]> m = new LinkedHashMap<>();
            Matcher x = Pattern.compile("stage=(\\S+) cache=(\\S+) reason=(\\S+) tasks=(\\d+) computed=(\\d+) seconds=(\\S+)").matcher(out);
            while (x.find()) {
                m.put(x.group(1), new String[] {x.group(2), x.group(5), x.group(4), x.group(3), x.group(6)});
            }
            return m;
        }

        /** Seconds spent in the DAG's stages (not in rendering the report). */
        double stageSeconds() {
            return stages().values().stream().mapToDouble(s -> Double.parseDouble(s[4])).sum();
        }
    }

    static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int code = BitgradCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString(), (System.nanoTime() - t0) / 1e9);
    }

    static Result run(Path runs, String... extra) {
        List<String> args = new ArrayList<>(List.of("run", tiny, "--runs-dir", runs.toString()));
        args.addAll(Arrays.asList(extra));
        Result r = cli(args.toArray(String[]::new));
        assertEquals(0, r.code(), "run failed: " + r.err() + "\n" + r.out());
        return r;
    }

    static void assertStage(Result r, String stage, String cache, int computed) {
        String[] s = r.stages().get(stage);
        assertTrue(s != null, "no line for stage " + stage + " in\n" + r.out());
        assertEquals(cache, s[0], stage + " cache decision in\n" + r.out());
        assertEquals(computed, Integer.parseInt(s[1]), stage + " computed tasks in\n" + r.out());
    }

    /** Every Arrow file under a cache, relative path to bytes. */
    static Map<String, byte[]> arrowFiles(Path cache) throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (Stream<Path> s = Files.walk(cache)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".arrow") && !p.toString().contains("/.tmp/")).sorted().toList()) {
                m.put(cache.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return m;
    }

    @Test
    void aSecondRunIsAllHitsAndMuchFaster(@TempDir Path runs) {
        Result first = run(runs);
        for (String stage : first.stages().keySet()) {
            assertEquals("miss", first.stages().get(stage)[0], stage);
        }
        assertTrue(first.out().contains("rosenbrock start=0"), first.out());
        Result second = run(runs);
        for (String stage : second.stages().keySet()) {
            assertStage(second, stage, "hit", 0);
        }
        assertTrue(second.stageSeconds() < first.stageSeconds() / 5,
                "rerun stages took " + second.stageSeconds() + "s vs " + first.stageSeconds() + "s the first time");
        assertTrue(Files.isRegularFile(runs.resolve(first.out().replaceAll("(?s).*run_id=(\\S+).*", "$1")).resolve("run.json")));
        Result status = cli("status", tiny, "--runs-dir", runs.toString());
        assertEquals(0, status.code());
        assertFalse(status.out().contains("cache=miss"), status.out());
    }

    @Test
    void changingOneNesSettingReusesDataModelsAndPretraining(@TempDir Path runs) {
        run(runs);
        Result r = run(runs, "--set", "estimators.nes.samples=[60]");
        assertStage(r, "generate-data", "hit", 0);
        assertStage(r, "init-models", "hit", 0);
        assertStage(r, "pretrain", "hit", 0);
        assertStage(r, "estimate", "miss", 2);
        assertStage(r, "lr-sweep", "miss", 2);
        assertStage(r, "rosenbrock", "hit", 0);
        assertStage(r, "summary", "miss", 1);
    }

    @Test
    void aCorruptOrDeletedArtifactIsRecomputedAloneAndIdentically(@TempDir Path runs) throws Exception {
        run(runs);
        Path cache = runs.resolve("cache");
        Map<String, byte[]> before = arrowFiles(cache);
        Path gradient;
        try (Stream<Path> s = Files.walk(cache.resolve("estimate"))) {
            gradient = s.filter(p -> p.getFileName().toString().equals("gradient.arrow")).sorted().findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(gradient);
        b[b.length / 3] ^= 0x5a;
        Files.write(gradient, b);
        Result r = run(runs);
        assertStage(r, "estimate", "miss", 1);
        assertTrue(r.stages().get("estimate")[3].contains("checksum"), r.out());
        for (String stage : List.of("generate-data", "init-models", "pretrain", "lr-sweep", "rosenbrock", "summary")) {
            assertStage(r, stage, "hit", 0);
        }
        Path pretrained;
        try (Stream<Path> s = Files.list(cache.resolve("pretrain"))) {
            pretrained = s.findFirst().orElseThrow();
        }
        ArtifactStore.deleteTree(pretrained);
        r = run(runs);
        assertStage(r, "pretrain", "miss", 1);
        assertStage(r, "estimate", "hit", 0);
        Map<String, byte[]> after = arrowFiles(cache);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k + " recomputed differently"));
        Result verify = cli("cache", "verify", "--runs-dir", runs.toString());
        assertEquals(0, verify.code(), verify.out());
        assertTrue(verify.out().contains("bad=0"), verify.out());
    }

    @Test
    void forceFromAndOnlyRerunWhatTheySay(@TempDir Path runs) {
        run(runs);
        Result r = run(runs, "--force", "lr-sweep");
        assertStage(r, "estimate", "hit", 0);
        assertStage(r, "lr-sweep", "miss", 2);
        assertStage(r, "summary", "hit", 0);
        r = run(runs, "--from", "lr-sweep");
        assertStage(r, "estimate", "hit", 0);
        assertStage(r, "lr-sweep", "miss", 2);
        assertStage(r, "rosenbrock", "miss", 1);
        assertStage(r, "summary", "miss", 1);
        r = run(runs, "--only", "pretrain");
        assertEquals(1, r.stages().size(), r.out());
        assertStage(r, "pretrain", "miss", 1);
    }

    @Test
    void stagesRunInDagOrderWhateverTheGrid() {
        var plan = bitgrad.pipelines.run.Planner.plan(bitgrad.pipelines.config.ConfigLoader.load(tiny,
                List.of("pretrain.enabled=[false,true]", "rosenbrock.enabled=false")), "cpu");
        assertEquals(List.of("generate-data", "init-models", "pretrain", "estimate", "lr-sweep", "summary"),
                List.copyOf(plan.stages().keySet()));
    }

    @Test
    void showPrintsAnyArtifactAsTableCsvOrJson(@TempDir Path runs) {
        run(runs);
        Result list = cli("show", "latest", "--runs-dir", runs.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("summary/") && list.out().contains("summary.arrow"), list.out());
        Result csv = cli("show", "latest", "summary.arrow", "--format", "csv", "--runs-dir", runs.toString());
        assertEquals(0, csv.code(), csv.err());
        String[] lines = csv.out().strip().split("\\R");
        assertTrue(lines[0].startsWith("dim,activation,rows,init,batch,pretrained,estimator,estimator_spec,base_loss,best_decrease"), lines[0]);
        assertEquals(1 + 2 * 4, lines.length, csv.out());
        Result json = cli("show", "latest", "rosenbrock/trajectory.arrow", "--format", "json", "--runs-dir", runs.toString());
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().startsWith("[{\"step\":0,\"f\":"), json.out().substring(0, 40));
        Result table = cli("show", "latest", "summary/cosine.arrow", "--runs-dir", runs.toString());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().startsWith("dim"), table.out());
        assertEquals(2, cli("show", "latest", "nope.arrow", "--runs-dir", runs.toString()).code());
        assertEquals(2, cli("show", "latest", "data.arrow", "--runs-dir", runs.toString()).code(), "ambiguous");
        assertEquals(2, cli("show", "no-such-run", "--runs-dir", runs.toString()).code());
    }

    @Test
    void gcRemovesOnlyWhatNoRunUsesAndOnlyWithYes(@TempDir Path runs) throws Exception {
        run(runs);
        run(runs, "--set", "estimators.cdg.eps=[0.05]");
        Path record = Files.list(runs).filter(p -> p.getFileName().toString().contains("tiny")).sorted().toList().get(1);
        ArtifactStore.deleteTree(record);
        Result dry = cli("cache", "gc", "--runs-dir", runs.toString());
        assertEquals(0, dry.code());
        assertTrue(dry.out().contains("would remove estimate/"), dry.out());
        int before = new ArtifactStore(runs.resolve("cache")).list().size();
        assertEquals(before, new ArtifactStore(runs.resolve("cache")).list().size());
        Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertTrue(gc.out().contains("removed artifacts="), gc.out());
        assertTrue(new ArtifactStore(runs.resolve("cache")).list().size() < before);
        Result again = run(runs);
        for (String stage : again.stages().keySet()) {
            assertStage(again, stage, "hit", 0);
        }
    }
}
