package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArtifactStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real standalone Flink 1.19 cluster started by {@code scripts/flink-cluster} (3
 * TaskManagers x 2 slots, TLS with mutual authentication): the same numbers as the direct
 * runner; a client without the cluster's keys is refused; a client that exits cancels its job,
 * and the job of one that was SIGKILLed is cancelled by the next run; a TaskManager killed
 * mid-job loses nothing, and one whose loss leaves too few slots fails the run at once. Tagged
 * {@code cluster}: {@code mvn -B verify -Dcluster}.
 */
@Tag("cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    static Path clusterDir;
    static String master;
    static Path clientConf;

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
        String out = script("start", "--taskmanagers", "3", "--slots", "2");
        Matcher m = Pattern.compile("flink-master=(\\S+)").matcher(out);
        assertTrue(m.find(), out);
        master = m.group(1);
        Matcher c = Pattern.compile("flink-conf=(\\S+)").matcher(out);
        assertTrue(c.find(), out);
        clientConf = Path.of(c.group(1));
        String status = script("status");
        assertTrue(status.contains("taskmanagers=3 slots=6"), status);
        assertTrue(status.strip().endsWith("flink-master=" + master), status);
    }

    /** Stops the cluster and removes its folder (keys, logs, pids): nothing of the test stays behind. */
    @AfterAll
    static void stopCluster() throws Exception {
        if (clusterDir == null) {
            return;
        }
        try {
            String out = script("stop");
            assertTrue(out.contains("freed_bytes="), out);
            try (Stream<Path> s = Files.list(clusterDir.resolve("tmp"))) {
                assertEquals(List.of(), s.toList(), "stop leaves the cluster's blob store and spill files");
            }
        } finally {
            try (Stream<Path> s = Files.walk(clusterDir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
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
                "--flink-master", master, "--flink-conf", clientConf.toString(), "--parallelism", "4");
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
    void aClientWithoutTheClustersKeysIsRefused(@TempDir Path runs) throws Exception {
        // TLS that trusts the cluster but presents no client certificate: the handshake is refused
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        String pass = Files.readString(clusterDir.resolve("ssl/password")).strip();
        try (var in = Files.newInputStream(clusterDir.resolve("ssl/truststore.p12"))) {
            trust.load(in, pass.toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext anonymous = javax.net.ssl.SSLContext.getInstance("TLS");
        anonymous.init(null, tmf.getTrustManagers(), null);
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().sslContext(anonymous).build();
        for (String method : List.of("GET", "POST")) {
            java.net.http.HttpRequest r = java.net.http.HttpRequest.newBuilder(java.net.URI.create("https://" + master + "/jobs"))
                    .method(method, java.net.http.HttpRequest.BodyPublishers.noBody()).build();
            Exception refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                    () -> http.send(r, java.net.http.HttpResponse.BodyHandlers.ofString()), method + " /jobs without a client certificate");
            System.out.println(method + " /jobs without a client certificate: " + refused);
        }
        // plain HTTP gets no further than a redirect to TLS
        java.net.http.HttpResponse<String> plain = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + master + "/jobs")).POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(301, plain.statusCode(), plain.body());
        // and bitgrad without --flink-conf says what is missing
        CliFixture.Result r = CliFixture.cli("run", CliFixture.TINY, "--runs-dir", runs.toString(), "--runner", "flink",
                "--flink-master", master);
        assertEquals(2, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("speaks TLS") && r.err().contains("--flink-conf"), r.err());
    }

    @Test
    @Order(3)
    void aClientThatExitsCancelsItsJobAndTheNextRunCancelsAKilledClientsJob(@TempDir Path runs) throws Exception {
        Path config = slowConfig(runs, 40000);
        bitgrad.pipelines.run.FlinkRest rest = new bitgrad.pipelines.run.FlinkRest(master, clientConf);
        List<String> argv = List.of("run", config.toString(), "--runs-dir", runs.resolve("runs").toString(), "--runner", "flink",
                "--flink-master", master, "--flink-conf", clientConf.toString(), "--parallelism", "1");
        for (boolean sigkill : List.of(false, true)) {
            Process p = CliFixture.child(runs, argv.toArray(String[]::new));
            String job = awaitRunningEstimate(rest, p.pid());
            if (sigkill) {
                p.destroyForcibly();
            } else {
                p.destroy(); // SIGTERM, as Ctrl-C or kill would
            }
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            Thread.sleep(3000);
            boolean active = rest.jobs().stream().anyMatch(j -> j.name().equals(job) && j.active());
            if (sigkill) {
                assertTrue(active, "a SIGKILLed client cannot cancel; its job " + job + " runs on");
            } else {
                assertTrue(!active, "a client that exits cancels its job " + job);
            }
        }
        CliFixture.Result next = CliFixture.cli(argv.toArray(String[]::new));
        assertEquals(0, next.code(), next.err());
        assertTrue(next.out().contains("cleanup cancelled=1 Flink jobs of clients that died"), next.out());
        assertTrue(rest.jobs().stream().noneMatch(j -> j.active()), "no job left running: " + rest.jobs());
    }

    /** The name of the running estimate job submitted by process {@code pid}, once the cluster runs it. */
    static String awaitRunningEstimate(bitgrad.pipelines.run.FlinkRest rest, long pid) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline) {
            for (bitgrad.pipelines.run.FlinkRest.Job j : rest.jobs()) {
                if (j.name().startsWith("bitgrad-estimate-") && j.name().contains("-p" + pid + "-") && "RUNNING".equals(j.state())) {
                    Thread.sleep(2000);
                    return j.name();
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no running estimate job of process " + pid);
    }

    static Path slowConfig(Path dir, int samples) throws IOException {
        Path config = dir.resolve("slow.yaml");
        Files.writeString(config, Files.readString(Path.of(CliFixture.TINY))
                .replace("num_batch: 2", "num_batch: 4").replace("samples: [50]", "samples: [" + samples + "]").replace("batch: 256", "batch: 2048"));
        return config;
    }

    @Test
    @Order(4)
    void aTaskManagerKilledMidJobLosesNothing(@TempDir Path runs) throws Exception {
        Path config = slowConfig(runs, 4000);
        CompletableFuture<CliFixture.Result> first = startMidEstimate(runs, config, 2);
        Path estimates = runs.resolve("cache").resolve("estimate");
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

    @Test
    @Order(5)
    void aLostTaskManagerThatLeavesTooFewSlotsFailsAtOnceAndTheNextRunResumes(@TempDir Path runs) throws Exception {
        // after the previous test 2 TaskManagers x 2 slots are left; a job of parallelism 4 cannot survive losing one
        Path config = slowConfig(runs, 40000);
        CompletableFuture<CliFixture.Result> first = startMidEstimate(runs, config, 4);
        Path estimates = runs.resolve("cache").resolve("estimate");
        String killed = script("kill-taskmanager", "2");
        long t0 = System.nanoTime();
        CliFixture.Result r1 = first.get(5, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.println(killed.strip() + " -> exit " + r1.code() + " after " + seconds + " s: " + r1.err().strip());
        assertEquals(1, r1.code(), r1.out());
        assertEquals(1, r1.err().strip().lines().count(), r1.err());
        assertTrue(r1.err().contains("lost a TaskManager: 2 task slots left, the job needs 4"), r1.err());
        assertTrue(seconds < 60, "fails fast, not after Flink's 300 s slot timeout: " + seconds + " s");
        bitgrad.pipelines.run.FlinkRest rest = new bitgrad.pipelines.run.FlinkRest(master, clientConf);
        assertTrue(rest.jobs().stream().noneMatch(j -> j.active()), "the job was cancelled: " + rest.jobs());
        int before = countArtifacts(estimates);
        CliFixture.Result r2 = CliFixture.cli("run", config.toString(), "--runs-dir", runs.toString(), "--runner", "flink",
                "--flink-master", master, "--flink-conf", clientConf.toString(), "--parallelism", "2");
        assertEquals(0, r2.code(), r2.err());
        String[] est = r2.stages().get("estimate");
        assertEquals(Integer.parseInt(est[2]) - before, Integer.parseInt(est[1]), "only the estimates not finished are computed again");
        assertEquals(0, CliFixture.cli("cache", "verify", "--runs-dir", runs.toString()).code());
    }

    /** Starts {@code config} on the cluster in the background and returns once it committed two estimates (still running). */
    static CompletableFuture<CliFixture.Result> startMidEstimate(Path runs, Path config, int parallelism) throws Exception {
        CompletableFuture<CliFixture.Result> run = CompletableFuture.supplyAsync(() -> CliFixture.cli("run", config.toString(),
                "--runs-dir", runs.toString(), "--runner", "flink", "--flink-master", master, "--flink-conf", clientConf.toString(),
                "--parallelism", String.valueOf(parallelism)));
        Path estimates = runs.resolve("cache").resolve("estimate");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (System.nanoTime() < deadline && countArtifacts(estimates) < 2 && !run.isDone()) {
            Thread.sleep(200);
        }
        assertTrue(countArtifacts(estimates) >= 2 && !run.isDone(), "the estimate stage never got going");
        return run;
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
