package bitgrad.pipelines;

import static bitgrad.pipelines.CliFixture.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import bitgrad.schemas.ArtifactStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the second hostile drill found on disk, each case as the drill made it: records that lead
 * out of the cache, files a manifest does not list, a failed run's finished work, and more.
 */
class DiskTrustTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The one run folder of a runs dir holding one finished run. */
    private static Path onlyRun(Path runs) throws Exception {
        try (Stream<Path> s = Files.list(runs)) {
            return s.filter(d -> Files.exists(d.resolve("run.json"))).findFirst().orElseThrow();
        }
    }

    /** The run's record with the plot stage's artifact list replaced by {@code artifacts}. */
    private static void setPlotArtifacts(Path run, ArrayNode artifacts) throws Exception {
        ObjectNode rec = (ObjectNode) JSON.readTree(run.resolve("run.json").toFile());
        for (JsonNode s : rec.path("stages")) {
            if (s.path("stage").asText().equals("plot")) {
                ((ObjectNode) s).set("artifacts", artifacts);
            }
        }
        Files.write(run.resolve("run.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(rec));
    }

    private static String plotKey(Path run) throws Exception {
        for (JsonNode s : JSON.readTree(run.resolve("run.json").toFile()).path("stages")) {
            if (s.path("stage").asText().equals("plot")) {
                return s.path("artifacts").get(0).asText().substring("plot/".length());
            }
        }
        throw new AssertionError("no plot stage in the record");
    }

    @Test
    void aRunRecordThatLeadsOutOfTheCacheIsNeverFollowed(@TempDir Path runs) throws Exception {
        CacheSafetyTest.finishedRunAt(runs);
        Path run = onlyRun(runs);
        String key = plotKey(run);
        // the drill: the plot artifact copied outside the cache, a secret beside it, its manifest forged to match
        Path evil = runs.resolve("outside/evilplot");
        Path art = runs.resolve("cache/plot").resolve(key);
        Files.createDirectories(evil);
        try (Stream<Path> s = Files.list(art)) {
            for (Path f : s.toList()) {
                Files.copy(f, evil.resolve(f.getFileName()));
            }
        }
        Files.writeString(evil.resolve("outside_secret.svg"), "<svg>secret</svg>");
        String ref = "plot/../../outside/evilplot";
        ObjectNode manifest = (ObjectNode) JSON.readTree(evil.resolve("manifest.json").toFile());
        manifest.put("key", "../../outside/evilplot");
        Files.write(evil.resolve("manifest.json"), JSON.writeValueAsBytes(manifest));
        ArtifactStore.deleteTree(art); // whatever headline is shown now can only come from outside
        setPlotArtifacts(run, JSON.createArrayNode().add(ref));

        CliFixture.Result report = cli("report", run.getFileName().toString(), "--runs-dir", runs.toString());
        assertTrue(report.code() != 0, report.out());
        assertEquals(1, report.err().strip().lines().count(), report.err());
        assertTrue(report.err().contains("not as plot/<key>") && !report.err().contains("Exception"), report.err());
        assertFalse(Files.exists(run.resolve("plots/outside_secret.svg")), "report copied a file from outside the cache");
        for (String command : List.of("runs", "show")) {
            CliFixture.Result r = command.equals("runs") ? cli("runs", "--runs-dir", runs.toString())
                    : cli("show", "latest", "--runs-dir", runs.toString());
            assertEquals(0, r.code(), r.err());
            assertFalse(r.out().contains("finding ") || r.out().contains("| result") || r.out().contains("evilplot"),
                    command + " read from outside the cache:\n" + r.out());
        }
    }

    @Test
    void aMalformedArtifactListIsAOneLineErrorInTheUsersTerms(@TempDir Path runs) throws Exception {
        CacheSafetyTest.finishedRunAt(runs);
        Path run = onlyRun(runs);
        for (ArrayNode bad : List.of(JSON.createArrayNode().add("x"), JSON.createArrayNode().add(""), JSON.createArrayNode().add(5),
                JSON.createArrayNode().add("estimate/" + plotKey(run)))) {
            setPlotArtifacts(run, bad);
            CliFixture.Result r = cli("report", run.getFileName().toString(), "--runs-dir", runs.toString());
            assertEquals(2, r.code(), bad + ": " + r.out() + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            assertTrue(r.err().startsWith("bitgrad: the run record of ") && !r.err().contains("Exception"), bad + ": " + r.err());
            CliFixture.Result runsList = cli("runs", "--runs-dir", runs.toString());
            assertEquals(0, runsList.code(), runsList.err());
        }
    }

    @Test
    void anArtifactIsExactlyItsManifest(@TempDir Path runs) throws Exception {
        CacheSafetyTest.finishedRunAt(runs);
        Path run = onlyRun(runs);
        Path summary;
        try (Stream<Path> s = Files.list(runs.resolve("cache/summary"))) {
            summary = s.findFirst().orElseThrow();
        }
        assertEquals(0, cli("cache", "verify", "--runs-dir", runs.toString()).code());
        Files.copy(summary.resolve("summary.arrow"), summary.resolve("injected.arrow"));
        Path plot = runs.resolve("cache/plot").resolve(plotKey(run));
        Files.writeString(plot.resolve("zz_injected.svg"), "<svg><script>alert(1)</script></svg>");
        Files.write(plot.resolve("zz_injected.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        Files.write(plot.resolve("zz_notarrow.arrow"), new byte[10]);

        CliFixture.Result verify = cli("cache", "verify", "--runs-dir", runs.toString());
        assertEquals(1, verify.code(), verify.out());
        assertTrue(verify.out().contains("bad=2"), verify.out());
        assertTrue(verify.out().contains("injected.arrow, which its manifest does not list"), verify.out());
        CliFixture.Result show = cli("show", "latest", "injected.arrow", "--runs-dir", runs.toString());
        assertEquals(2, show.code(), show.out());
        assertTrue(show.err().contains("has no artifact 'injected.arrow'"), show.err());
        CliFixture.Result list = cli("show", "latest", "--runs-dir", runs.toString());
        assertFalse(list.out().contains("injected"), list.out());
        CliFixture.Result report = cli("report", run.getFileName().toString(), "--runs-dir", runs.toString());
        assertEquals(2, report.code(), report.out());
        assertTrue(report.err().contains("not in the cache (holds zz_injected.png, which its manifest does not list)"), report.err());
        try (Stream<Path> s = Files.walk(run)) {
            assertEquals(List.of(), s.map(p -> p.getFileName().toString()).filter(n -> n.contains("injected") || n.contains("notarrow"))
                    .toList(), "an unlisted file was copied beside the report");
        }
        // the next run recomputes the bad artifacts instead of trusting them
        CliFixture.Result again = CliFixture.run(runs);
        CliFixture.assertStage(again, "summary", "miss", 1);
        assertEquals(0, cli("cache", "verify", "--runs-dir", runs.toString()).code());
    }

    @Test
    void gcKeepsTheFinishedTasksOfAFailedRun(@TempDir Path runs) throws Exception {
        // one estimate task of five fails after the others finished, as on a full disk
        CliFixture.Result failed = cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--set", "data.num_batch=1",
                "--set", "estimators.extra=[{type: fails-after, seconds: 4}]");
        assertEquals(1, failed.code(), failed.out() + failed.err());
        assertTrue(failed.err().contains("stage estimate failed"), failed.err());
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        Set<String> before = new HashSet<>();
        for (String[] a : store.list()) {
            before.add(a[0] + "/" + a[1]);
        }
        long estimates = before.stream().filter(a -> a.startsWith("estimate/")).count();
        assumeTrue(estimates > 0, "no estimate task finished before the failing one (the runner ran it first)");

        CliFixture.Result dry = cli("cache", "gc", "--runs-dir", runs.toString());
        assertTrue(dry.out().contains("unfinished ") && dry.out().contains("kept (--unfinished to remove)"), dry.out());
        CliFixture.Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertEquals(0, gc.code(), gc.err());
        assertTrue(gc.out().contains("removed artifacts=0"), gc.out());
        Set<String> after = new HashSet<>();
        for (String[] a : store.list()) {
            after.add(a[0] + "/" + a[1]);
        }
        assertEquals(before, after, "gc removed a failed run's finished work");
        CliFixture.Result rerun = CliFixture.run(runs, "--set", "data.num_batch=1");
        int computed = Integer.parseInt(rerun.stages().get("estimate")[1]);
        assertEquals(4 - estimates, computed, "the rerun recomputed finished estimates:\n" + rerun.out());
        CliFixture.Result drop = cli("cache", "gc", "--yes", "--unfinished", "--runs-dir", runs.toString());
        assertEquals(0, drop.code(), drop.err());
        assertEquals(0, cli("cache", "verify", "--runs-dir", runs.toString()).code());
    }
}
