package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArtifactStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real standalone Flink 1.19 cluster started by {@code scripts/flink-cluster} (2
 * TaskManagers x 2 slots): the same numbers as the direct runner, and a TaskManager killed
 * mid-job loses nothing. Tagged {@code cluster}: {@code mvn -B verify -Dcluster}.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    static Path clusterDir;
    static String master;

    static Path root() {
        Path p = Path.of("").toAbsolutePath();
        return Files.exists(p.resolve("scripts/flink-cluster")) ? p : p.getParent();
    }

    static String script(String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(root().resolve("scripts/flink-cluster").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("FLINK_CLUSTER_DIR", clusterDir.toString());
        // the jars of this test JVM, resolved by Maven: no build inside the test (it would replace the jars in use)
        pb.environment().put("FLINK_CLUSTER_CLASSPATH", java.util.Arrays.stream(System.getProperty("java.class.path").split(":"))
                .filter(e -> e.endsWith(".jar") && !Path.of(e).getFileName().toString().startsWith("bitgrad-")).collect(java.util.stream.Collectors.joining(":")));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "flink-cluster " + args[0] + " hung");
        assertEquals(0, p.exitValue(), "flink-cluster " + String.join(" ", args) + ":\n" + out);
        return out;
    }

    @BeforeAll
    static void startCluster() throws Exception {
        clusterDir = Files.createTempDirectory("bitgrad-flink-");
        String out = script("start", "--taskmanagers", "2", "--slots", "2");
        Matcher m = Pattern.compile("flink-master=(\\S+)").matcher(out);
        assertTrue(m.find(), out);
        master = m.group(1);
        String status = script("status");
        assertTrue(status.contains("taskmanagers=2 slots=4"), status);
        assertTrue(status.strip().endsWith("flink-master=" + master), status);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (clusterDir != null) {
            script("stop");
        }
    }

    @Test
    @Order(1)
    void quickstartOnTheClusterGivesTheDirectRunnersNumbers(@TempDir Path runs) throws Exception {
        Path direct = runs.resolve("direct");
        Path flink = runs.resolve("flink");
        CliFixture.Result d = CliFixture.cli("run", "quickstart", "--runs-dir", direct.toString());
        assertEquals(0, d.code(), d.err());
        CliFixture.Result f = CliFixture.cli("run", "quickstart", "--runs-dir", flink.toString(), "--runner", "flink",
                "--flink-master", master, "--parallelism", "4");
        assertEquals(0, f.code(), f.err() + f.out());
        Map<String, byte[]> a = CliFixture.arrowFiles(direct.resolve("cache"));
        Map<String, byte[]> b = CliFixture.arrowFiles(flink.resolve("cache"));
        assertEquals(a.keySet(), b.keySet(), "same tasks, same keys");
        a.forEach((k, v) -> assertArrayEquals(v, b.get(k), k + " differs between the direct runner and the cluster"));
        for (String line : d.out().lines().filter(l -> l.startsWith("result ") || l.startsWith("rosenbrock ")).toList()) {
            assertTrue(f.out().contains(line), "cluster run lacks headline " + line);
        }
    }

    @Test
    @Order(2)
    void aTaskManagerKilledMidJobLosesNothing(@TempDir Path runs) throws Exception {
        Path config = runs.resolve("slow.yaml");
        Files.writeString(config, Files.readString(Path.of(CliFixture.TINY))
                .replace("num_batch: 2", "num_batch: 4").replace("samples: [50]", "samples: [4000]").replace("batch: 256", "batch: 2048"));
        CompletableFuture<CliFixture.Result> first = CompletableFuture.supplyAsync(() -> CliFixture.cli("run", config.toString(),
                "--runs-dir", runs.toString(), "--runner", "flink", "--flink-master", master, "--parallelism", "2"));
        Path estimates = runs.resolve("cache").resolve("estimate");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline && countArtifacts(estimates) < 2 && !first.isDone()) {
            Thread.sleep(200);
        }
        assertTrue(countArtifacts(estimates) >= 2, "the estimate stage never got going");
        String killed = script("kill-taskmanager", "1");
        assertTrue(killed.contains("killed=taskmanager-1"), killed);
        CliFixture.Result r1 = first.get(10, TimeUnit.MINUTES);
        System.out.println("after SIGKILL of a TaskManager: exit " + r1.code() + "; " + r1.err().strip());
        if (r1.code() != 0) {
            assertEquals(1, r1.err().strip().lines().count(), "a clear one-line error: " + r1.err());
        }
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        for (String[] a : store.list()) {
            assertTrue(store.check(a[0], a[1]).valid(), "half-written artifact visible: " + a[0] + "/" + a[1]);
        }
        int before = countArtifacts(estimates);
        CliFixture.Result r2 = CliFixture.cli("run", config.toString(), "--runs-dir", runs.toString());
        assertEquals(0, r2.code(), r2.err());
        for (String stage : List.of("generate-data", "init-models", "pretrain")) {
            CliFixture.assertStage(r2, stage, "hit", 0);
        }
        String[] est = r2.stages().get("estimate");
        int total = Integer.parseInt(est[2]);
        assertEquals(total - before, Integer.parseInt(est[1]), "only estimates missing after the failure are computed again");
        assertEquals(0, CliFixture.cli("cache", "verify", "--runs-dir", runs.toString()).code());
    }

    static int countArtifacts(Path stageDir) throws IOException {
        if (!Files.isDirectory(stageDir)) {
            return 0;
        }
        try (var s = Files.list(stageDir)) {
            return (int) s.filter(p -> Files.exists(p.resolve(ArtifactStore.MANIFEST))).count();
        }
    }
}
