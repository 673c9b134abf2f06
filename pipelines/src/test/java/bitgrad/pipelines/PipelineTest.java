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

    @Test
    void aSecondRunIsAllHitsAndMuchFaster(@TempDir Path runs) {
        CliFixture.Result first = CliFixture.run(runs);
        for (String stage : first.stages().keySet()) {
            assertEquals("miss", first.stages().get(stage)[0], stage);
        }
        assertTrue(first.out().contains("rosenbrock start=0"), first.out());
        CliFixture.Result second = CliFixture.run(runs);
        for (String stage : second.stages().keySet()) {
            CliFixture.assertStage(second, stage, "hit", 0);
        }
        assertTrue(second.stageSeconds() < first.stageSeconds() / 5,
                "rerun stages took " + second.stageSeconds() + "s vs " + first.stageSeconds() + "s the first time");
        assertTrue(Files.isRegularFile(runs.resolve(first.out().replaceAll("(?s).*run_id=(\\S+).*", "$1")).resolve("run.json")));
        CliFixture.Result status = CliFixture.cli("status", CliFixture.TINY, "--runs-dir", runs.toString());
        assertEquals(0, status.code());
        assertFalse(status.out().contains("cache=miss"), status.out());
    }

    @Test
    void changingOneNesSettingReusesDataModelsAndPretraining(@TempDir Path runs) {
        CliFixture.run(runs);
        CliFixture.Result r = CliFixture.run(runs, "--set", "estimators.nes.samples=[60]");
        CliFixture.assertStage(r, "generate-data", "hit", 0);
        CliFixture.assertStage(r, "init-models", "hit", 0);
        CliFixture.assertStage(r, "pretrain", "hit", 0);
        CliFixture.assertStage(r, "estimate", "miss", 2);
        CliFixture.assertStage(r, "lr-sweep", "miss", 2);
        assertTrue(r.out().contains("stage=lr-sweep cache=miss reason=2/8_not_cached"), "only the NES sweeps of 8: " + r.out());
        CliFixture.assertStage(r, "cosine", "miss", 2);
        CliFixture.assertStage(r, "rosenbrock", "hit", 0);
        CliFixture.assertStage(r, "summary", "miss", 1);
    }

    @Test
    void aCorruptOrDeletedArtifactIsRecomputedAloneAndIdentically(@TempDir Path runs) throws Exception {
        CliFixture.run(runs);
        Path cache = runs.resolve("cache");
        Map<String, byte[]> before = CliFixture.arrowFiles(cache);
        Path gradient;
        try (Stream<Path> s = Files.walk(cache.resolve("estimate"))) {
            gradient = s.filter(p -> p.getFileName().toString().equals("gradient.arrow")).sorted().findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(gradient);
        b[b.length / 3] ^= 0x5a;
        Files.write(gradient, b);
        CliFixture.Result r = CliFixture.run(runs);
        CliFixture.assertStage(r, "estimate", "miss", 1);
        assertTrue(r.stages().get("estimate")[3].contains("checksum"), r.out());
        for (String stage : List.of("generate-data", "init-models", "pretrain", "lr-sweep", "rosenbrock", "summary")) {
            CliFixture.assertStage(r, stage, "hit", 0);
        }
        Path pretrained;
        try (Stream<Path> s = Files.list(cache.resolve("pretrain"))) {
            pretrained = s.findFirst().orElseThrow();
        }
        ArtifactStore.deleteTree(pretrained);
        r = CliFixture.run(runs);
        CliFixture.assertStage(r, "pretrain", "miss", 1);
        CliFixture.assertStage(r, "estimate", "hit", 0);
        Map<String, byte[]> after = CliFixture.arrowFiles(cache);
        assertEquals(before.keySet(), after.keySet());
        before.forEach((k, v) -> assertArrayEquals(v, after.get(k), k + " recomputed differently"));
        CliFixture.Result verify = CliFixture.cli("cache", "verify", "--runs-dir", runs.toString());
        assertEquals(0, verify.code(), verify.out());
        assertTrue(verify.out().contains("bad=0"), verify.out());
    }

    @Test
    void forceFromAndOnlyRerunWhatTheySay(@TempDir Path runs) throws Exception {
        CliFixture.Result early = CliFixture.cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--only", "lr-sweep");
        assertEquals(2, early.code(), "--only with its inputs not cached is a usage error: " + early.err());
        try (Stream<Path> s = Files.walk(runs)) {
            assertFalse(s.anyMatch(p -> p.getFileName().toString().equals("run.json")), "a usage error leaves no run record");
        }
        CliFixture.run(runs);
        CliFixture.Result r = CliFixture.run(runs, "--force", "lr-sweep");
        CliFixture.assertStage(r, "estimate", "hit", 0);
        CliFixture.assertStage(r, "lr-sweep", "miss", 8);
        CliFixture.assertStage(r, "summary", "hit", 0);
        CliFixture.assertStage(r, "plot", "hit", 0);
        r = CliFixture.run(runs, "--from", "lr-sweep");
        CliFixture.assertStage(r, "estimate", "hit", 0);
        CliFixture.assertStage(r, "lr-sweep", "miss", 8);
        CliFixture.assertStage(r, "cosine", "miss", 2);
        CliFixture.assertStage(r, "rosenbrock", "miss", 1);
        CliFixture.assertStage(r, "summary", "miss", 1);
        r = CliFixture.run(runs, "--only", "pretrain");
        assertEquals(1, r.stages().size(), r.out());
        CliFixture.assertStage(r, "pretrain", "miss", 1);
    }

    @Test
    void stagesRunInDagOrderWhateverTheGrid() {
        var plan = bitgrad.pipelines.run.Planner.plan(bitgrad.pipelines.config.ConfigLoader.load(CliFixture.TINY,
                List.of("pretrain.enabled=[false,true]", "rosenbrock.enabled=false")), "cpu");
        assertEquals(List.of("generate-data", "init-models", "pretrain", "estimate", "lr-sweep", "cosine", "summary", "plot"),
                List.copyOf(plan.stages().keySet()));
    }

    @Test
    void showPrintsAnyArtifactAsTableCsvOrJson(@TempDir Path runs) {
        CliFixture.run(runs);
        CliFixture.Result list = CliFixture.cli("show", "latest", "--runs-dir", runs.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("summary/") && list.out().contains("summary.arrow"), list.out());
        CliFixture.Result csv = CliFixture.cli("show", "latest", "summary.arrow", "--format", "csv", "--runs-dir", runs.toString());
        assertEquals(0, csv.code(), csv.err());
        String[] lines = csv.out().strip().split("\\R");
        assertTrue(lines[0].startsWith("dim,activation,rows,init,batch,pretrained,estimator,estimator_spec,family,eps,sigma,samples,tau,k,"
                + "base_loss,best_decrease"), lines[0]);
        assertEquals(1 + 2 * 4, lines.length, csv.out());
        CliFixture.Result json = CliFixture.cli("show", "latest", "rosenbrock/trajectory.arrow", "--format", "json", "--runs-dir", runs.toString());
        assertEquals(0, json.code(), json.err());
        assertTrue(json.out().startsWith("[{\"step\":0,\"f\":"), json.out().substring(0, 40));
        CliFixture.Result table = CliFixture.cli("show", "latest", "summary/cosine.arrow", "--runs-dir", runs.toString());
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().startsWith("dim"), table.out());
        assertEquals(2, CliFixture.cli("show", "latest", "nope.arrow", "--runs-dir", runs.toString()).code());
        assertEquals(2, CliFixture.cli("show", "latest", "data.arrow", "--runs-dir", runs.toString()).code(), "ambiguous");
        assertEquals(2, CliFixture.cli("show", "no-such-run", "--runs-dir", runs.toString()).code());
    }

    @Test
    void gcRemovesOnlyWhatNoRunUsesAndOnlyWithYes(@TempDir Path runs) throws Exception {
        CliFixture.run(runs);
        CliFixture.run(runs, "--set", "estimators.cdg.eps=[0.05]");
        Path record = Files.list(runs).filter(p -> p.getFileName().toString().contains("tiny")).sorted().toList().get(1);
        ArtifactStore.deleteTree(record);
        CliFixture.Result dry = CliFixture.cli("cache", "gc", "--runs-dir", runs.toString());
        assertEquals(0, dry.code());
        assertTrue(dry.out().contains("would remove estimate/"), dry.out());
        int before = new ArtifactStore(runs.resolve("cache")).list().size();
        assertEquals(before, new ArtifactStore(runs.resolve("cache")).list().size());
        CliFixture.Result gc = CliFixture.cli("cache", "gc", "--yes", "--runs-dir", runs.toString());
        assertTrue(gc.out().contains("removed artifacts="), gc.out());
        assertTrue(new ArtifactStore(runs.resolve("cache")).list().size() < before);
        CliFixture.Result again = CliFixture.run(runs);
        for (String stage : again.stages().keySet()) {
            CliFixture.assertStage(again, stage, "hit", 0);
        }
    }

    @Test
    void aRunRecordReplaysExactlyThatConfiguration(@TempDir Path runs) throws Exception {
        CliFixture.Result first = CliFixture.run(runs, "--set", "sweep.lr_count=12", "--set", "rosenbrock.enabled=false");
        Path record = Path.of(first.out().replaceAll("(?s).*record=(\\S+).*", "$1"));
        var rec = bitgrad.transforms.Task.JSON.readTree(record.toFile());
        assertEquals(List.of("sweep.lr_count=12", "rosenbrock.enabled=false"),
                List.of(rec.path("overrides").get(0).asText(), rec.path("overrides").get(1).asText()), "overrides kept in run.json");
        CliFixture.Result replay = CliFixture.cli("run", record.toString(), "--runs-dir", runs.toString());
        assertEquals(0, replay.code(), replay.err());
        assertTrue(replay.out().contains("source=replay_of_run_" + rec.path("run_id").asText()), replay.out());
        for (String stage : first.stages().keySet()) {
            CliFixture.assertStage(replay, stage, "hit", 0);
        }
        assertEquals(first.out().lines().filter(l -> l.startsWith("result ")).toList(),
                replay.out().lines().filter(l -> l.startsWith("result ")).toList(), "same numbers");

        CliFixture.Result other = CliFixture.run(runs, "--set", "sweep.lr_count=14", "--set", "rosenbrock.enabled=false", "--name",
                "wider");
        CliFixture.Result list = CliFixture.cli("runs", "--runs-dir", runs.toString());
        assertEquals(0, list.code(), list.err());
        List<String> lines = list.out().lines().toList();
        assertEquals(3, lines.size(), list.out());
        assertTrue(lines.get(0).matches("run=\\S+ experiment=tiny status=ok seconds=\\S+ overrides=sweep.lr_count=12,"
                + "rosenbrock.enabled=false \\| finding variant=\\S+ dim=4 best=.*"), lines.get(0));
        String idA = rec.path("run_id").asText();
        String idC = other.out().replaceAll("(?s).*run_id=(\\S+).*", "$1");
        CliFixture.Result same = CliFixture.cli("compare", idA, lines.get(1).replaceAll("run=(\\S+) .*", "$1"), "--runs-dir",
                runs.toString());
        assertTrue(same.out().contains("config identical"), same.out());
        assertTrue(idC.endsWith("-tiny-wider"), "the name is part of the id: " + idC);
        var recC = bitgrad.transforms.Task.JSON.readTree(runs.resolve(idC).resolve("run.json").toFile());
        assertEquals("wider", recC.path("name").asText());
        assertEquals("run", recC.path("command").get(1).asText(), "the command line is recorded: " + recC.path("command"));
        assertEquals(2, CliFixture.cli("run", CliFixture.TINY, "--name", "../x", "--runs-dir", runs.toString()).code());
        // a damaged record is listed as damaged, never a crash
        Path damaged = runs.resolve(idA).resolve("run.json");
        byte[] whole = Files.readAllBytes(damaged);
        Files.write(damaged, java.util.Arrays.copyOf(whole, whole.length / 2));
        CliFixture.Result listed = CliFixture.cli("runs", "--runs-dir", runs.toString());
        assertEquals(0, listed.code(), listed.err());
        assertTrue(listed.out().contains("run=" + idA + " status=damaged"), listed.out());
        assertEquals(2, CliFixture.cli("compare", idA, "wider", "--runs-dir", runs.toString()).code(), "a damaged record cannot be compared");
        Files.write(damaged, whole);
        CliFixture.Result diff = CliFixture.cli("compare", idA, "wider", "--runs-dir", runs.toString());
        assertEquals(0, diff.code(), diff.err());
        assertTrue(diff.out().contains("config sweep.lr_count a=12 b=14"), diff.out());
        assertTrue(diff.out().lines().anyMatch(l -> l.matches("result dim=4 .*estimator=ste.* best_decrease=\\S+->\\S+ .*")), diff.out());
    }

    @Test
    void statusNamesTheChangedParameterAndEstimatesTheTime(@TempDir Path runs) {
        CliFixture.run(runs, "--set", "rosenbrock.enabled=false");
        CliFixture.Result st = CliFixture.cli("status", CliFixture.TINY, "--set", "rosenbrock.enabled=false", "--set",
                "estimators.nes.samples=[60]", "--runs-dir", runs.toString());
        assertEquals(0, st.code(), st.err());
        // the first run's NES tasks recorded what ran beside them: the prediction is calibrated by them
        assertTrue(st.out().matches("(?s).*stage=estimate cache=miss \\S+ tasks=\\d+ to_compute=2 changed=estimator.samples:2 "
                + "eta_seconds=\\d+ cost=estimate:nes:cached_\\d+\n.*"), st.out());
        assertTrue(st.out().matches("(?s).*stage=lr-sweep cache=miss \\S+ tasks=8 to_compute=2 changed=inputs:2 eta_seconds=\\d+ "
                + "cost=lr-sweep:cached_\\d+\n.*"), st.out());
        assertTrue(st.out().matches("(?s).*stage=pretrain cache=hit \\S+ tasks=1 to_compute=0\n.*"), st.out());
        assertTrue(st.out().matches("(?s).*\nneeds disk=\\S+ largest_task_memory=\\S+ \\(\\S+\\)\neta_seconds=\\d+ matmul_gflops=\\d+ [^\n]*\n"),
                st.out());
    }
}
