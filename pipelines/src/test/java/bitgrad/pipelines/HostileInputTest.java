package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArtifactStore;
import com.fasterxml.jackson.databind.node.ObjectNode;
import bitgrad.transforms.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a hostile drill found: names and paths that leave the runs dir, absurd sizes, damaged manifests and artifacts. */
class HostileInputTest {

    static void assertUsageError(CliFixture.Result r, String expected) {
        assertEquals(2, r.code(), r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertFalse(err.contains("Exception") || err.contains("\tat "), err);
        assertTrue(err.contains(expected), err);
    }

    @Test
    void badNamesSizesAndEmptyValuesAreOneLineErrorsThatWriteNothing(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Files.createDirectories(runs);
        String[][] cases = {
            {"name=../../escaped/pwn", "name must be"},
            {"name=team/exp1", "name must be"},
            {"dims=~", "dims needs a value"},
            {"dims=[1000000]", "dims must be <= 4096"},
            {"model.depth=100000", "model.depth must be <= 64"},
            {"data.batch=[100000000000]", "data.batch must be <="},
            {"estimators.nes.samples=[2000000000]", "estimators.nes.samples must be <="},
            {"sweep.lr_count=2000000000", "sweep.lr_count must be <="},
        };
        for (String[] c : cases) {
            assertUsageError(CliFixture.cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--set", c[0]), c[1]);
        }
        // within the static bounds, but not within this machine: estimated up front, refused with both numbers
        long t0 = System.nanoTime();
        assertUsageError(CliFixture.cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--set", "dims=[4096]", "--set",
                "data.batch=[100000000]", "--set", "pretrain.enabled=[false]"), "of disk for its artifacts but");
        assertUsageError(CliFixture.cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--set", "dims=[4096]", "--set",
                "model.depth=64"), "of memory but this machine has");
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "refused before anything runs");
        Path yaml = dir.resolve("empty-dims.yaml");
        Files.writeString(yaml, "dims:\n");
        assertUsageError(CliFixture.cli("run", yaml.toString(), "--runs-dir", runs.toString()), "dims needs a value");
        Path secret = dir.resolve("secret.txt");
        Files.writeString(secret, "root:x:0:0:hunter2:/root\n");
        CliFixture.Result leak = CliFixture.cli("run", secret.toString(), "--runs-dir", runs.toString());
        assertEquals(2, leak.code());
        assertFalse(leak.err().contains("hunter2"), "a file that is not an experiment is not echoed: " + leak.err());
        try (Stream<Path> s = Files.walk(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("pwn") || p.getFileName().toString().equals("escaped")),
                    "nothing was created for a bad name");
        }
        try (Stream<Path> s = Files.list(runs)) {
            assertEquals(0, s.count(), "no run folder for bad input");
        }
        assertUsageError(CliFixture.cli("cache", "verify", "--runs-dir", dir.resolve("runz").toString()), "does not exist");
        assertUsageError(CliFixture.cli("status", CliFixture.TINY, "--runs-dir", dir.resolve("runz").toString()), "does not exist");
        assertUsageError(CliFixture.cli("cache", "gc", "--runs-dir", secret.toString()), "is not a folder");
    }

    @Test
    void typosAndWrongTypesAreAnsweredInTheUsersTerms(@TempDir Path runs) throws Exception {
        String[][] cases = {
            {"run", "quickstrat", "unknown experiment 'quickstrat' (did you mean 'quickstart'?)"},
            {"run", "quickstart", "--set", "estimators.nes.samples=many", "estimators.nes.samples: expected an integer, got 'many'"},
            {"run", "quickstart", "--set", "dims=[8,x]", "dims: expected an integer, got 'x'"},
            {"run", "quickstart", "--set", "estimators.ste=maybe", "estimators.ste: expected true or false, got 'maybe'"},
            {"run", "quickstart", "--set", "dimz=[8]", "unknown --set key 'dimz' (did you mean 'dims'?); known here: name,"},
        };
        for (String[] c : cases) {
            List<String> args = new java.util.ArrayList<>(List.of(c).subList(0, c.length - 1));
            args.addAll(List.of("--runs-dir", runs.toString()));
            assertUsageError(CliFixture.cli(args.toArray(String[]::new)), c[c.length - 1]);
        }
    }

    @Test
    void damagedManifestsAndArtifactsAreNeverTrusted(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        CliFixture.run(runs);
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        String[] est = store.list().stream().filter(a -> a[0].equals("estimate")).findFirst().orElseThrow();
        String[] sweep = store.list().stream().filter(a -> a[0].equals("lr-sweep")).findFirst().orElseThrow();

        // a manifest that lost its file list, and the file gone: verify says bad, the rerun recomputes it
        Path manifest = store.dir(est[0], est[1]).resolve(ArtifactStore.MANIFEST);
        ObjectNode m = (ObjectNode) Task.JSON.readTree(manifest.toFile());
        m.putObject("files");
        Files.writeString(manifest, m.toString());
        Files.delete(store.file(est[0], est[1], "gradient.arrow"));
        // a manifest entry that points outside its artifact, with the right size and hash of that file
        Path outside = dir.resolve("hostname");
        Files.writeString(outside, "box\n");
        Path sweepManifest = store.dir(sweep[0], sweep[1]).resolve(ArtifactStore.MANIFEST);
        ObjectNode sm = (ObjectNode) Task.JSON.readTree(sweepManifest.toFile());
        ((ObjectNode) sm.get("files")).putObject("../../../../hostname").put("bytes", 4).put("sha256", ArtifactStore.sha256(outside));
        Files.writeString(sweepManifest, sm.toString());
        CliFixture.Result verify = CliFixture.cli("cache", "verify", "--runs-dir", runs.toString());
        assertEquals(1, verify.code(), verify.out());
        assertTrue(verify.out().contains("bad estimate/" + est[1] + ": manifest lacks the declared file gradient.arrow"), verify.out());
        assertTrue(verify.out().contains("bad lr-sweep/" + sweep[1] + ": manifest names a file outside the artifact"), verify.out());

        // an artifact damaged after the run: show refuses to print it
        Path runDir;
        try (Stream<Path> s = Files.list(runs)) {
            runDir = s.filter(p -> Files.exists(p.resolve("run.json"))).findFirst().orElseThrow();
        }
        String summaryKey = store.list().stream().filter(a -> a[0].equals("summary")).findFirst().orElseThrow()[1];
        Path summary = store.file("summary", summaryKey, "summary.arrow");
        byte[] bytes = Files.readAllBytes(summary);
        bytes[bytes.length / 2] ^= 1;
        Files.write(summary, bytes);
        CliFixture.Result show = CliFixture.cli("show", "latest", "summary.arrow", "--format", "csv", "--runs-dir", runs.toString());
        assertUsageError(show, "is damaged");
        // a run record that names something outside the cache: ignored
        Path record = runDir.resolve("run.json");
        String text = Files.readString(record).replaceFirst("\"artifacts\" : \\[", "\"artifacts\" : [ \"../../../outside\",");
        Files.writeString(record, text);
        CliFixture.Result list = CliFixture.cli("show", "latest", "--runs-dir", runs.toString());
        assertEquals(0, list.code(), list.err());
        assertFalse(list.out().contains("outside"), list.out());

        CliFixture.Result again = CliFixture.run(runs);
        CliFixture.assertStage(again, "estimate", "miss", 1);
        CliFixture.assertStage(again, "summary", "miss", 1);
        assertEquals(0, CliFixture.cli("cache", "verify", "--runs-dir", runs.toString()).code());
        assertTrue(List.of(store.dir("lr-sweep", sweep[1]).toFile().list()).stream().noneMatch(n -> n.contains("hostname")));
    }
}
