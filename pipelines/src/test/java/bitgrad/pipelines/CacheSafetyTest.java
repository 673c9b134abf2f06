package bitgrad.pipelines;

import static bitgrad.pipelines.CliFixture.cli;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArtifactStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code cache gc} and run records under hostile conditions: live and killed runs, damaged records, links. */
class CacheSafetyTest {

    /** A copy, at {@code runs}, of a runs dir holding one finished tiny run. */
    static void finishedRunAt(Path runs) throws Exception {
        CliFixture.finishedRunAt(runs);
    }

    /** Starts a child run and returns once it printed {@code marker}; the child keeps running. */
    static Process childUntil(Path config, Path runs, String marker) throws Exception {
        Process p = new ProcessBuilder(CliFixture.cliCommand(List.of(), "run", config.toString(), "--runs-dir", runs.toString()))
                .redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.contains(marker)) {
                Thread drain = new Thread(() -> r.lines().forEach(l -> { }));
                drain.setDaemon(true);
                drain.start();
                return p;
            }
        }
        throw new AssertionError("the child run ended before printing " + marker);
    }

    @Test
    void gcDuringARunRemovesNothingItUses(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Process p = childUntil(CliFixture.slowConfig(dir), runs, "estimate [3/");
        CliFixture.Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertEquals(0, gc.code(), gc.err());
        assertTrue(gc.out().contains("removed artifacts=0"), gc.out());
        assertTrue(gc.out().contains("running "), gc.out());
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "the run finishes");
        assertEquals(0, p.exitValue(), "a gc during the run must not break it");
        assertEquals(0, cli("cache", "verify", "--runs-dir", runs.toString()).code());
    }

    @Test
    void aKilledRunResumesFromWhatItFinishedAndGcKeepsThat(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Path config = CliFixture.slowConfig(dir);
        Process p = childUntil(config, runs, "estimate [3/");
        p.destroyForcibly();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(p.exitValue() != 0, "SIGKILL ends the process");
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        for (String[] a : store.list()) {
            assertTrue(store.check(a[0], a[1]).valid(), "half-written artifact visible: " + a[0] + "/" + a[1]);
        }
        int before = store.list().size();
        assertTrue(before >= 3, "the killed run finished some tasks");
        CliFixture.Result dry = cli("cache", "gc", "--runs-dir", runs.toString());
        assertTrue(dry.out().contains("unfinished ") && dry.out().contains("kept (--unfinished to remove)"), dry.out());
        CliFixture.Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertEquals(0, gc.code(), gc.err());
        assertEquals(before, store.list().size(), "gc removed a killed run's finished work:\n" + gc.out());
        // the run's record says running, but no process holds its lease: killed
        CliFixture.Result listed = cli("runs", "--runs-dir", runs.toString());
        assertTrue(listed.out().contains("status=killed"), listed.out());
        CliFixture.Result again = cli("run", config.toString(), "--runs-dir", runs.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().matches("(?s).*resume: \\d+ of \\d+ planned tasks are cached left by run \\S+ \\(killed\\).*"), again.out());
        CliFixture.assertStage(again, "generate-data", "hit", 0);
        CliFixture.assertStage(again, "init-models", "hit", 0);
        CliFixture.assertStage(again, "pretrain", "hit", 0);
        int computed = Integer.parseInt(again.stages().get("estimate")[1]);
        assertTrue(computed > 0 && computed <= 16 - 3, "finished estimates are kept: recomputed " + computed + " of 16");
        // now the run finished: its record names everything, and an explicit --unfinished has nothing more to take
        CliFixture.Result after = cli("cache", "gc", "--yes", "--unfinished", "--runs-dir", runs.toString());
        assertEquals(0, after.code(), after.err());
        assertEquals(0, cli("cache", "verify", "--runs-dir", runs.toString()).code());
    }

    /** SIGTERM (as SIGINT) mid-run: the record says interrupted and where; runs and show list it; a rerun names it. */
    @Test
    void anInterruptedRunIsRecordedListedAndNamedByItsRerun(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Path config = CliFixture.slowConfig(dir);
        Process p = childUntil(config, runs, "estimate [3/");
        String id;
        try (Stream<Path> s = Files.list(runs)) {
            id = s.filter(d -> Files.exists(d.resolve("run.json"))).findFirst().orElseThrow().getFileName().toString();
        }
        // while it runs: listed as running, with its stage
        CliFixture.Result running = cli("show", id, "--runs-dir", runs.toString());
        assertTrue(running.out().startsWith("run " + id + " state=running stage=estimate"), running.out());
        p.destroy();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        com.fasterxml.jackson.databind.JsonNode rec = bitgrad.transforms.Task.JSON.readTree(runs.resolve(id).resolve("run.json").toFile());
        assertEquals("interrupted", rec.path("status").asText());
        assertEquals("interrupted during stage estimate", rec.path("error").asText());
        CliFixture.Result listed = cli("runs", "--runs-dir", runs.toString());
        assertTrue(listed.out().contains("run=" + id + " ") && listed.out().contains("status=interrupted"), listed.out());
        CliFixture.Result again = cli("run", config.toString(), "--runs-dir", runs.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("left by run " + id + " (interrupted)"), again.out());
    }

    @Test
    void damagedRunRecordsAreNamedAndNeverMakeGcDeleteTheirWork(@TempDir Path runs) throws Exception {
        finishedRunAt(runs);
        CliFixture.run(runs, "--set", "estimators.cdg.eps=[0.05]");
        List<Path> records;
        try (Stream<Path> s = Files.list(runs)) {
            records = s.filter(d -> Files.exists(d.resolve("run.json"))).sorted().toList();
        }
        assertEquals(2, records.size());
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        int before = store.list().size();
        // a full disk used to leave a truncated record: every command over the runs dir then failed
        Path latest = records.get(1).resolve("run.json");
        byte[] whole = Files.readAllBytes(latest);
        Files.write(latest, java.util.Arrays.copyOf(whole, whole.length / 2));
        CliFixture.Result show = cli("show", "latest", "--runs-dir", runs.toString());
        assertEquals(0, show.code(), "latest skips a damaged record: " + show.err());
        assertTrue(show.out().contains(records.get(0).getFileName().toString()), show.out());
        CliFixture.Result named = cli("show", records.get(1).getFileName().toString(), "--runs-dir", runs.toString());
        assertEquals(2, named.code());
        assertTrue(named.err().contains("is damaged") && !named.err().contains("Exception"), named.err());
        for (byte[] content : List.of(java.util.Arrays.copyOf(whole, whole.length / 2), new byte[0])) {
            Files.write(latest, content);
            CliFixture.Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
            assertEquals(1, gc.code(), gc.out());
            assertTrue(gc.err().contains("damaged") && gc.out().contains("damaged run record"), gc.err());
            assertEquals(before, store.list().size(), "gc deleted work of a run whose record it could not read");
        }
    }

    @Test
    void whatDeadProcessesLeftIsRemovedOnTheNextStart(@TempDir Path dir) throws Exception {
        Process gone = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).start();
        gone.getInputStream().readAllBytes();
        gone.waitFor();
        long dead = gone.pid();
        Path sysTmp = Files.createDirectories(dir.resolve("systmp"));
        Path runs = dir.resolve("runs");
        Path staleStaging = deadStaging(sysTmp, "bitgrad-estimate-p" + dead + "-123", dead);
        Files.writeString(staleStaging.resolve("files/gradient.arrow"), "half");
        Path staleTmp = Files.createDirectories(runs.resolve("cache/.tmp/estimate-abc-p" + dead + "-uuid"));
        Path live = Files.createDirectories(sysTmp.resolve("bitgrad-estimate-p" + ProcessHandle.current().pid() + "-456"));
        Path foreign = Files.createDirectories(sysTmp.resolve("someone-else-p" + dead + "-789"));
        // the drill's case: a folder named like bitgrad's, not made by it
        Path thesis = Files.createDirectories(sysTmp.resolve("bitgrad-mythesis-p" + dead + "-final/chapter1"));
        Files.writeString(thesis.resolve("draft.tex"), "months of work");
        Files.setLastModifiedTime(thesis.getParent(), java.nio.file.attribute.FileTime.fromMillis(0));
        Path unmarked = Files.createDirectories(sysTmp.resolve("bitgrad-estimate-p" + dead + "-124"));
        Files.setLastModifiedTime(unmarked, java.nio.file.attribute.FileTime.fromMillis(0));
        Process p = new ProcessBuilder(CliFixture.cliCommand(List.of("-Djava.io.tmpdir=" + sysTmp), "run", CliFixture.TINY, "--runs-dir",
                runs.toString())).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("cleanup removed=2"), out);
        assertFalse(Files.exists(staleStaging), "a dead worker's staging folder is removed");
        assertFalse(Files.exists(staleTmp), "a dead run's cache temporary is removed");
        assertTrue(Files.exists(live), "a live process's folder is kept");
        assertTrue(Files.exists(foreign), "folders that are not bitgrad's are kept");
        assertTrue(Files.exists(thesis.resolve("draft.tex")), "a folder with a bitgrad-like name but no marker is kept");
        assertTrue(Files.exists(unmarked), "a staging-named folder without bitgrad's marker is kept");
        try (Stream<Path> s = Files.list(sysTmp)) {
            assertEquals(List.of(thesis.getParent(), unmarked, live).stream().map(x -> x.getFileName().toString()).sorted().toList(),
                    s.map(x -> x.getFileName().toString()).filter(n -> n.startsWith("bitgrad-")).sorted().toList(),
                    "the run's own staging folders are gone when it ends");
        }
    }

    /**
     * A staging folder as bitgrad makes one (see {@code Staging}), whose maker {@code pid} died long
     * ago: its marker says so, and the folder is older than cleanup's minimum age.
     */
    static Path deadStaging(Path sysTmp, String name, long pid) throws Exception {
        Path d = Files.createDirectories(sysTmp.resolve(name).resolve("files")).getParent();
        Files.writeString(d.resolve("bitgrad-staging.json"),
                "{\"made_by\":\"bitgrad staging folder\",\"pid\":" + pid + ",\"started\":\"2026-01-01T00:00:00Z\"}");
        Files.setLastModifiedTime(d, java.nio.file.attribute.FileTime.fromMillis(0));
        return d;
    }

    @Test
    void gcNeverFollowsALinkOutOfTheRunsDir(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        finishedRunAt(runs); // a copy of a finished run: what it left is what the run left
        try (Stream<Path> s = Files.walk(runs)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(".run.json") || p.getFileName().toString().equals("lease.json")),
                    "no temporary record or lease left after a finished run");
        }
        Path other = dir.resolve("other");
        Path victim = other.resolve("old-folder");
        Files.createDirectories(victim.resolve("inner"));
        Files.writeString(victim.resolve("inner/precious.txt"), "keep me");
        Files.setLastModifiedTime(victim, java.nio.file.attribute.FileTime.fromMillis(0));
        Path tmp = runs.resolve("cache/.tmp");
        ArtifactStore.deleteTree(tmp);
        Files.createSymbolicLink(tmp, other);
        CliFixture.Result gc = cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertEquals(0, gc.code(), gc.err());
        assertTrue(Files.exists(victim.resolve("inner/precious.txt")), "gc deleted through a link: " + gc.out());
        assertTrue(gc.out().contains("symbolic link"), gc.out());
        // a stage folder that is a link out of the cache: its entries are not deleted either
        Path elsewhere = dir.resolve("elsewhere");
        Files.createDirectories(elsewhere.resolve("0123abcd"));
        Files.writeString(elsewhere.resolve("0123abcd/x.txt"), "keep me too");
        Files.createSymbolicLink(runs.resolve("cache/linked-stage"), elsewhere);
        cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertTrue(Files.exists(elsewhere.resolve("0123abcd/x.txt")), "gc deleted through a linked stage folder");
    }

    @Test
    void aFullDiskDuringTheReportLeavesNoHalfFileAndMarksTheRunFailed(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        finishedRunAt(runs);
        Map<String, String> cache = CliFixture.snapshot(runs.resolve("cache"));
        // a file size limit of 64 KiB: run.json and the tables fit, the report (with its figures inlined) does not;
        // the JVM ignores SIGXFSZ, so writes past the limit fail as on a full disk
        List<String> cmd = new java.util.ArrayList<>(List.of("bash", "-c", "ulimit -f 64; exec \"$@\"", "_"));
        cmd.addAll(CliFixture.cliCommand(List.of(), "run", CliFixture.TINY, "--runs-dir", runs.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(dir.resolve("out.log").toFile()).redirectError(dir.resolve("err.log").toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES));
        String err = Files.readString(dir.resolve("err.log")).strip();
        assertEquals(1, p.exitValue(), err);
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("bitgrad: report not written (File too large)") && !err.contains("Exception"), err);
        assertEquals(cache, CliFixture.snapshot(runs.resolve("cache")), "the cache changed");
        Path record;
        try (Stream<Path> s = Files.list(runs)) {
            record = s.filter(d -> Files.exists(d.resolve("run.json"))).sorted().reduce((a, b) -> b).orElseThrow();
        }
        String json = Files.readString(record.resolve("run.json"));
        assertTrue(json.contains("\"status\" : \"failed\"") && json.contains("report not written"), json);
        assertFalse(Files.exists(record.resolve("report.html")), "no report page after a failed write");
        try (Stream<Path> s = Files.walk(runs)) {
            List<String> partial = s.filter(Files::isRegularFile).map(x -> x.getFileName().toString())
                    .filter(n -> n.endsWith(".tmp")).toList();
            assertEquals(List.of(), partial, "temporaries left behind");
        }
        String id = record.getFileName().toString();
        assertTrue(err.contains("'bitgrad report " + id + "'"), err);
        CliFixture.Result again = cli("report", id, "--runs-dir", runs.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(Files.size(record.resolve("report.html")) > 64 * 1024, "the limit was below the page's size");
        String healed = Files.readString(record.resolve("run.json"));
        assertTrue(healed.contains("\"status\" : \"ok\"") && !healed.contains("report not written"), "the record is ok again: " + healed);
    }
}
