package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code compare}: the changed setting first, the numbers of an estimator only one run has, unchanged lines hidden unless --all;
 * and {@code runs --format csv|json} lists the same runs as a table.
 */
class CompareTest {

    @Test
    void aChangedNesSampleCountShowsBothRunsNesNumbersAndHidesWhatDidNotChange(@TempDir Path runs) throws Exception {
        CliFixture.Result a = CliFixture.run(runs, "--set", "rosenbrock.enabled=false", "--set", "estimators.nes.samples=[50]", "--name", "a");
        CliFixture.Result b = CliFixture.run(runs, "--set", "rosenbrock.enabled=false", "--set", "estimators.nes.samples=[60]", "--name", "b");
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        CliFixture.Result diff = CliFixture.cli("compare", "a", "b", "--runs-dir", runs.toString());
        assertEquals(0, diff.code(), diff.err());
        List<String> lines = diff.out().lines().toList();
        assertTrue(lines.get(1).startsWith("config estimators.nes.samples a=[50] b=[60]"), "the changed setting first:\n" + diff.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("result .*estimator=nes\\(sigma=\\S+,n=50\\) .*only_in=a best_decrease=\\S+ .*")),
                diff.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("result .*estimator=nes\\(sigma=\\S+,n=60\\) .*only_in=b best_decrease=\\S+ .*")),
                diff.out());
        // STE's numbers are the same in both runs (same models, batches, seeds): counted, not printed
        assertFalse(lines.stream().anyMatch(l -> l.matches("result .*estimator=ste .*")), diff.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("unchanged=\\d+ .*--all.*")), diff.out());
        // more runs: each against the first, one block each
        CliFixture.Result three = CliFixture.cli("compare", "a", "b", "a", "--runs-dir", runs.toString());
        assertEquals(0, three.code(), three.err());
        List<String> blocks = three.out().lines().filter(l -> l.startsWith("compare a=")).toList();
        assertEquals(2, blocks.size(), three.out());
        assertTrue(three.out().contains("config identical"), "a against itself: " + three.out());
        CliFixture.Result every = CliFixture.cli("compare", "a", "b", "--all", "--runs-dir", runs.toString());
        assertTrue(every.out().lines().anyMatch(l -> l.matches("result .*estimator=ste .*best_decrease=(\\S+)->\\1 .*")), every.out());
        // the cells both runs measured, paired by repeat: STE's identical (counted), listed with --all with the paired test
        assertTrue(lines.stream().anyMatch(l -> l.matches("paired_identical=\\d+ .*")), diff.out());
        assertTrue(every.out().lines().anyMatch(l -> l.matches("paired variant=\\S+ dim=\\d+ estimator=ste heldout_decrease=(\\S+)->\\1 "
                + "repeats=\\d+ inits=\\d+ (diff=0 .*beyond_noise=no|beyond_noise=untested.*)")), every.out());
        // the same two runs as a table for a spreadsheet or a notebook
        CliFixture.Result csv = CliFixture.cli("runs", "--format", "csv", "--runs-dir", runs.toString());
        assertEquals(0, csv.code(), csv.err());
        List<String> rows = csv.out().lines().toList();
        assertEquals("run,name,experiment,status,started,seconds,overrides,headline,replay_of", rows.get(0));
        assertEquals(3, rows.size(), csv.out());
        assertTrue(rows.get(1).matches("\\S+-tiny-a,a,tiny,ok,20\\S+,[0-9.]+,\"rosenbrock.enabled=false,estimators.nes.samples=\\[50\\]\",.+"),
                rows.get(1));
        CliFixture.Result json = CliFixture.cli("runs", "--format", "json", "--runs-dir", runs.toString());
        com.fasterxml.jackson.databind.JsonNode listed = bitgrad.transforms.Task.JSON.readTree(json.out());
        assertEquals(2, listed.size());
        assertEquals("b", listed.get(1).path("name").asText());
        assertTrue(listed.get(1).path("seconds").isNumber(), json.out());
        assertEquals(2, CliFixture.cli("runs", "--format", "xml", "--runs-dir", runs.toString()).code(), "an unknown format is refused");
        // filter and order: the run with 60 samples alone; both, newest first
        CliFixture.Result only = CliFixture.cli("runs", "--where", "overrides=samples=[60]", "--where", "status=ok", "--runs-dir",
                runs.toString());
        assertEquals(1, only.out().lines().count(), only.out());
        assertTrue(only.out().contains("-tiny-b "), only.out());
        List<String> newest = CliFixture.cli("runs", "--sort", "-started", "--format", "csv", "--runs-dir", runs.toString()).out().lines()
                .toList();
        assertTrue(newest.get(1).startsWith(rows.get(2).substring(0, 20)) && newest.get(2).startsWith(rows.get(1).substring(0, 20)),
                String.join("\n", newest));
        assertEquals(2, CliFixture.cli("runs", "--where", "colour=red", "--runs-dir", runs.toString()).code(), "an unknown column");
        // a replay keeps its source's settings and says whose replay it is
        String idA = rows.get(1).substring(0, rows.get(1).indexOf(','));
        CliFixture.Result replay = CliFixture.cli("run", runs.resolve(idA).resolve("run.json").toString(), "--runs-dir", runs.toString());
        assertEquals(0, replay.code(), replay.err());
        CliFixture.Result replays = CliFixture.cli("runs", "--where", "replay_of=" + idA, "--runs-dir", runs.toString());
        assertEquals(1, replays.out().lines().count(), replays.out());
        assertTrue(replays.out().contains("overrides=rosenbrock.enabled=false,estimators.nes.samples=[50] replay_of=" + idA),
                replays.out());
    }
}
