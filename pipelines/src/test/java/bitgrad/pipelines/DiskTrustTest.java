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

    @Test
    void refusalsNameTheirCauseBeforeAnyWork(@TempDir Path dir) throws Exception {
        Path runs = Files.createDirectories(dir.resolve("runs"));
        Path emptyRecord = Files.createDirectories(dir.resolve("old")).resolve("run.json");
        Files.write(emptyRecord, new byte[0]);
        Path dup = Files.writeString(dir.resolve("dup.yaml"), "dims: [8]\ndims: [16]\n");
        Path two = Files.writeString(dir.resolve("two.yaml"), "dims: [8]\n---\ndims: [16]\n");
        String[][] cases = {
            {"run " + emptyRecord + " --runs-dir " + runs, "is not a complete run record"},
            {"run " + dup + " --runs-dir " + runs, "Duplicate field 'dims'"},
            {"run " + two + " --runs-dir " + runs, "holds more than one YAML document"},
            {"run quickstart --set sweep.lr_start=-1 --set sweep.lr_step=-1 --runs-dir " + runs, "sweep.lr_start and sweep.lr_step must be > 0"},
            {"run quickstart --set sweep.lr_start=1e30 --runs-dir " + runs, "the sweep's largest learning rate"},
            {"status quickstart --set num_init=1000 --runs-dir " + runs, "num_init must be 1..100"},
            {"status quickstart --set num_init=100 --set data.num_batch=100 --runs-dir " + runs, "plans 140000 estimates, more than 50000"},
            {"status quickstart --set rosenbrock.starts=100000 --runs-dir " + runs, "rosenbrock.starts must be <= 100"},
            {"run quickstart --set rosenbrock.n=2000000000 --runs-dir " + runs, "rosenbrock.n must be even and in 2..1000000"},
            {"bench cdg --dim 100000", "--dim must be <= 4096"},
            {"bench nes --samples 2000000000", "--samples must be <= 10000000"},
            {"bench ste --batch 2000000000", "--batch must be <= 100000000"},
            {"bench ste --depth 100000", "--depth must be <= 64"},
            {"bench ste --batch 100000000 --dim 4096", "of memory but this machine has"},
        };
        for (String[] c : cases) {
            HostileInputTest.assertUsageError(cli(c[0].split(" ")), c[1]);
        }
        try (Stream<Path> s = Files.list(runs)) {
            assertEquals(List.of(), s.toList(), "a refused command wrote into the runs dir");
        }
        CacheSafetyTest.finishedRunAt(runs);
        HostileInputTest.assertUsageError(cli("show", "latest", "summary.arrow", "--limit", "-5", "--runs-dir", runs.toString()),
                "--limit must be >= 1");
    }

    @Test
    void theDiskEstimateCountsEveryStageAndTheRunFolder(@TempDir Path runs) throws Exception {
        Files.createDirectories(runs);
        CliFixture.Result status = cli("status", CliFixture.TINY, "--runs-dir", runs.toString());
        assertEquals(0, status.code(), status.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("needs disk=([0-9.]+)_(B|KiB|MiB|GiB)").matcher(status.out());
        assertTrue(m.find(), status.out());
        double estimate = Double.parseDouble(m.group(1)) * Math.pow(1024, List.of("B", "KiB", "MiB", "GiB").indexOf(m.group(2)));
        CliFixture.run(runs);
        long used;
        try (Stream<Path> s = Files.walk(runs)) {
            used = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        assertTrue(estimate >= used / 2.0 && estimate <= used * 2.0, "estimated " + estimate + " bytes, the run took " + used);
    }

    @Test
    void provenanceIsTheBuildsOwnCommitAndNoOtherRepositoryIsTouched(@TempDir Path dir) throws Exception {
        Path other = Files.createDirectories(dir.resolve("other-project"));
        for (String[] cmd : new String[][] {{"git", "init", "-q"}, {"git", "-c", "user.email=a@b", "-c", "user.name=a", "commit", "-q",
            "--allow-empty", "-m", "theirs"}}) {
            Process g = new ProcessBuilder(cmd).directory(other.toFile()).redirectErrorStream(true).start();
            g.getInputStream().readAllBytes();
            assumeTrue(g.waitFor() == 0, "git is not usable here");
        }
        Process h = new ProcessBuilder("git", "rev-parse", "HEAD").directory(other.toFile()).start();
        String theirs = new String(h.getInputStream().readAllBytes()).strip();
        h.waitFor();
        Files.writeString(other.resolve("untracked.txt"), "makes their status dirty"); // git status would refresh their index
        java.util.Map<String, String> before = CliFixture.snapshot(other.resolve(".git"));
        Path runs = dir.resolve("runs");
        Process p = new ProcessBuilder(CliFixture.cliCommand(List.of(), "run", CliFixture.TINY, "--runs-dir", runs.toString()))
                .directory(other.toFile()).redirectErrorStream(true).redirectOutput(dir.resolve("out.log").toFile()).start();
        assertTrue(p.waitFor(5, java.util.concurrent.TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), Files.readString(dir.resolve("out.log")));
        JsonNode rec = JSON.readTree(onlyRun(runs).resolve("run.json").toFile());
        assertEquals(bitgrad.pipelines.Versions.get("git_commit"), rec.path("git_commit").asText());
        assertFalse(rec.path("git_commit").asText().equals(theirs), "recorded the commit of the folder the run started in");
        assertEquals(before, CliFixture.snapshot(other.resolve(".git")), "the run wrote into another repository's .git");
    }

    @Test
    void gcReportsALinkedStageFolderAndFinishesItsPass(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        CacheSafetyTest.finishedRunAt(runs);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere/0123abcd"));
        Files.writeString(elsewhere.resolve("x.txt"), "not the cache's");
        Files.createSymbolicLink(runs.resolve("cache/foo"), elsewhere.getParent());
        // an unreferenced artifact after the link in listing order: the pass must reach it
        Path orphan = Files.createDirectories(runs.resolve("cache/zz-orphan/0123abcd"));
        Files.writeString(orphan.resolve("manifest.json"), "{}");
        CliFixture.Result verify = cli("cache", "verify", "--runs-dir", runs.toString());
        assertTrue(verify.out().contains("bad foo/0123abcd: its folder leads out of the cache through a link"), verify.out());
        CliFixture.Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertEquals(0, gc.code(), gc.out() + gc.err());
        assertTrue(gc.out().contains("skipped foo/0123abcd: ") && gc.out().contains("leads out of the cache through a link"), gc.out());
        assertTrue(gc.out().contains("removed zz-orphan/0123abcd"), gc.out());
        assertFalse(Files.exists(orphan), "gc stopped before the rest of its deletions");
        assertTrue(Files.exists(elsewhere.resolve("x.txt")), "gc deleted through a link");
    }

    @Test
    void nothingIsWrittenThroughALinkThatLeavesTheRunsDir(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        CacheSafetyTest.finishedRunAt(runs);
        Path outside = Files.createDirectories(dir.resolve("outside"));
        Path tmp = runs.resolve("cache/.tmp");
        ArtifactStore.deleteTree(tmp);
        Files.createSymbolicLink(tmp, outside);
        CliFixture.Result run = cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--set", "estimators.cdg.eps=[0.05]");
        HostileInputTest.assertUsageError(run, "leads out of the runs dir through a link");
        Files.delete(tmp);
        // a run folder that is a link out of the runs dir: report writes nothing there
        Path run0 = onlyRun(runs);
        Path moved = outside.resolve(run0.getFileName().toString());
        Files.move(run0, moved);
        Files.createSymbolicLink(run0, moved);
        ArtifactStore.deleteTree(moved.resolve("plots"));
        CliFixture.Result report = cli("report", run0.getFileName().toString(), "--runs-dir", runs.toString());
        assertTrue(report.code() != 0 && report.err().contains("leads out of the runs dir through a link"), report.out() + report.err());
        assertFalse(Files.exists(moved.resolve("plots")), "report wrote through a link out of the runs dir");
        try (Stream<Path> s = Files.list(outside)) {
            assertEquals(List.of(moved), s.toList(), "something was written outside the runs dir");
        }
    }

    @Test
    void aKilledRunLeavesNoNativeLibraryOrImageCacheInTheSystemTempFolder(@TempDir Path dir) throws Exception {
        Path sysTmp = Files.createDirectories(dir.resolve("systmp"));
        Path runs = dir.resolve("runs");
        Process p = new ProcessBuilder(CliFixture.cliCommand(List.of("-Djava.io.tmpdir=" + sysTmp), "run", CliFixture.TINY, "--runs-dir",
                runs.toString())).redirectErrorStream(true).start();
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
        for (String line; (line = r.readLine()) != null && !line.startsWith("stage=lr-sweep cache="); ) {
            // until the stages have loaded their native libraries
        }
        p.destroyForcibly();
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        try (Stream<Path> s = Files.list(sysTmp)) {
            List<String> left = s.map(x -> x.getFileName().toString()).filter(n -> !n.startsWith("bitgrad-")).toList();
            assertEquals(List.of(), left, "native libraries or caches left in the system temp folder");
        }
        // what it left in the cache's temp area goes with the next run's cleanup
        try (Stream<Path> s = Files.list(runs.resolve("cache/.tmp"))) {
            assertTrue(s.anyMatch(x -> x.getFileName().toString().startsWith("native-p")), "the library unpacked into the cache");
        }
        CliFixture.run(runs);
        try (Stream<Path> s = Files.list(runs.resolve("cache/.tmp"))) {
            assertFalse(s.anyMatch(x -> x.getFileName().toString().startsWith("native-p" + p.pid() + "-")), "not cleaned up");
        }
    }

    @Test
    void gcRemovesTemporariesDeadProcessesLeftInRunFolders(@TempDir Path runs) throws Exception {
        CacheSafetyTest.finishedRunAt(runs);
        Path run = onlyRun(runs);
        Path lease = Files.write(run.resolve("lease.json.tmp"), new byte[0]);
        Path record = Files.writeString(run.resolve(".run.json.123.1.tmp"), "{");
        Path fresh = Files.write(run.resolve(".report.html.tmp"), new byte[0]);
        Files.setLastModifiedTime(lease, java.nio.file.attribute.FileTime.fromMillis(0));
        Files.setLastModifiedTime(record, java.nio.file.attribute.FileTime.fromMillis(0));
        CliFixture.Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertEquals(0, gc.code(), gc.err());
        assertFalse(Files.exists(lease) || Files.exists(record), gc.out());
        assertTrue(Files.exists(fresh), "a temporary younger than an hour may be a live command's");
        assertTrue(Files.exists(run.resolve("run.json")));
    }

    @Test
    void compareOnARunWithDamagedFiguresSaysSoInsteadOfDroppingItsNumbers(@TempDir Path runs) throws Exception {
        CacheSafetyTest.finishedRunAt(runs);
        Path run = onlyRun(runs);
        Path plot = runs.resolve("cache/plot").resolve(plotKey(run));
        Files.write(plot.resolve("sections.arrow"), new byte[] {1, 2, 3});
        String id = run.getFileName().toString();
        CliFixture.Result r = cli("compare", id, id, "--runs-dir", runs.toString());
        assertTrue(r.code() != 0, r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("the figures of run " + id + " are not in the cache"), r.err());
    }
}
