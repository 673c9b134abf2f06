package bitgrad.pipelines;

import static bitgrad.pipelines.CliFixture.assertStage;
import static bitgrad.pipelines.CliFixture.cli;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArtifactStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Crashes, other runners and bad input: nothing computed is lost, nothing cached is damaged. */
class RobustnessTest {


    @Test
    void flinkGivesTheSameArtifactsAsTheDirectRunner(@TempDir Path runs) throws Exception {
        Path direct = populated(); // the tiny experiment on the direct runner, shared with the bad-input cases (which change nothing)
        Path flink = runs.resolve("flink");
        CliFixture.Result f = CliFixture.run(flink, "--runner", "flink", "--flink-master", "[local]", "--parallelism", "2");
        assertTrue(f.out().contains("runner=flink"), f.out());
        Map<String, byte[]> a = CliFixture.arrowFiles(direct.resolve("cache"));
        Map<String, byte[]> b = CliFixture.arrowFiles(flink.resolve("cache"));
        assertEquals(a.keySet(), b.keySet(), "same tasks, same keys");
        assertTrue(a.size() > 20, "artifacts compared: " + a.size());
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), k + " differs between runners"));
    }

    /** One runs dir with a finished tiny run, shared by the bad-input cases (each compares the cache before and after itself). */
    @TempDir
    static Path shared;

    private static Path populatedRuns;

    static synchronized Path populated() {
        if (populatedRuns == null) {
            populatedRuns = shared.resolve("runs");
            CliFixture.run(populatedRuns);
        }
        return populatedRuns;
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "run no-such-preset",
        "run quickstart --set no.such.key=1",
        "run quickstart --set dims=[8,",
        "run quickstart --set dims=sixteen",
        "run quickstart --set data.batch=0.5",
        "run quickstart --set estimators.cdg.eps=[-0.1]",
        "run quickstart --set model.activation=relu",
        "run quickstart --set estimators.sr_ste.forward=[sideways]",
        "run quickstart --set estimators=1",
        "run quickstart --set pretrain.optimizer=rmsprop",
        "run quickstart --set sweep.method=dense",
        "run quickstart --set seed",
        "run quickstart --force nosuchstage",
        "run quickstart --runner spark",
        "run quickstart --parallelism 0",
        "run quickstart --device gpu",
        "run quickstart --flink-conf /tmp",
        "run quickstart --runner flink --flink-master 127.0.0.1:1 --flink-conf /no/such/folder",
        "run quickstart --runner flink --flink-master 127.0.0.1:1",
        "run /no/such/file.yaml",
        "run MALFORMED",
        "run UNKNOWNKEY",
        "run WRONGTYPE",
        "run NOTAMAP",
        "run quickstart --runs-dir UNWRITABLE",
        "status quickstart --set nope=1",
        "run EMPTYJSON",
        "run EMPTYYAML",
        "run DUPKEYS",
        "run TWODOCS",
        "run quickstart --set sweep.lr_start=-1 --set sweep.lr_step=-1",
        "run quickstart --set sweep.lr_start=1e30",
        "run quickstart --set sweep.lr_step=0",
        "show latest --limit -5",
        "status quickstart --set num_init=1000",
        "status quickstart --set num_init=100 --set data.num_batch=100",
        "status quickstart --set rosenbrock.starts=100000",
        "run quickstart --set rosenbrock.n=2000000000",
        "run quickstart --set estimators.sr_ste.k=[100000]",
        "bench cdg --dim 100000",
        "bench nes --samples 2000000000",
        "bench ste --batch 2000000000",
        "bench ste --depth 100000",
        "bench ste --batch 100000000 --dim 4096",
    })
    void badInputIsOneLineExitTwoAndLeavesTheCacheAlone(String args, @TempDir Path tmp) throws Exception {
        Path runs = populated();
        Map<String, String> before = CliFixture.snapshot(runs.resolve("cache"));
        Files.writeString(tmp.resolve("malformed.yaml"), "dims: [8, 16\nmodel: {depth: 2\n");
        Files.writeString(tmp.resolve("unknown.yaml"), "dims: [8]\nestimators:\n  cdg:\n    epsilon: [0.1]\n");
        Files.writeString(tmp.resolve("wrongtype.yaml"), "dims: [8]\nnum_init: many\n");
        Files.writeString(tmp.resolve("notamap.yaml"), "- just\n- a list\n");
        Files.writeString(tmp.resolve("afile"), "x");
        Files.createDirectories(tmp.resolve("replay"));
        Files.write(tmp.resolve("replay/run.json"), new byte[0]);
        Files.writeString(tmp.resolve("empty.yaml"), "# nothing set\n");
        Files.writeString(tmp.resolve("dupkeys.yaml"), "dims: [8]\nnum_init: 1\ndims: [16]\n");
        Files.writeString(tmp.resolve("twodocs.yaml"), "dims: [8]\n---\ndims: [16]\n");
        List<String> argv = new ArrayList<>();
        for (String s : args.split(" ")) {
            argv.add(switch (s) {
                case "MALFORMED" -> tmp.resolve("malformed.yaml").toString();
                case "UNKNOWNKEY" -> tmp.resolve("unknown.yaml").toString();
                case "WRONGTYPE" -> tmp.resolve("wrongtype.yaml").toString();
                case "NOTAMAP" -> tmp.resolve("notamap.yaml").toString();
                case "UNWRITABLE" -> tmp.resolve("afile").resolve("runs").toString();
                case "EMPTYJSON" -> tmp.resolve("replay/run.json").toString();
                case "EMPTYYAML" -> tmp.resolve("empty.yaml").toString();
                case "DUPKEYS" -> tmp.resolve("dupkeys.yaml").toString();
                case "TWODOCS" -> tmp.resolve("twodocs.yaml").toString();
                default -> s;
            });
        }
        if (!args.contains("--runs-dir") && !args.startsWith("bench")) {
            argv.add("--runs-dir");
            argv.add(runs.toString());
        }
        CliFixture.Result r = cli(argv.toArray(String[]::new));
        assertEquals(2, r.code(), args + " -> " + r.err() + r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), args + " printed:\n" + err);
        assertTrue(err.startsWith("bitgrad: ") && !err.contains("Exception"), err);
        assertEquals(before, CliFixture.snapshot(runs.resolve("cache")), "the cache changed");
    }

    @Test
    void aDivergingPretrainingFailsClearlyAndCachesNothingOfIt(@TempDir Path runs) throws Exception {
        CliFixture.run(runs);
        Map<String, String> before = CliFixture.snapshot(runs.resolve("cache"));
        CliFixture.Result r = cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--set", "pretrain.lr=1e30",
                "--set", "pretrain.optimizer=sgd");
        assertEquals(1, r.code(), r.out());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("stage pretrain failed") && err.contains("diverged"), err);
        Map<String, String> after = CliFixture.snapshot(runs.resolve("cache"));
        before.forEach((k, v) -> assertEquals(v, after.get(k), k + " was touched"));
        assertFalse(after.keySet().stream().anyMatch(k -> k.startsWith("pretrain/") && !before.containsKey(k)),
                "no artifact of the failed stage");
        Path record;
        try (Stream<Path> s = Files.list(runs)) {
            record = s.filter(p -> Files.exists(p.resolve("run.json"))).sorted().reduce((x, y) -> y).orElseThrow();
        }
        assertTrue(Files.readString(record.resolve("run.json")).contains("\"status\" : \"failed\""));
    }
}
