package bitgrad.pipelines.run;

import bitgrad.pipelines.config.ConfigException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The few calls of a Flink cluster's REST API that bitgrad's client makes beside Beam's own job
 * submission: the cluster's task slots, the jobs it runs, cancelling one. Speaks TLS with a
 * client certificate when the client configuration ({@code --flink-conf DIR}, the folder
 * {@code scripts/flink-cluster start} prints) turns on {@code security.ssl.rest.enabled}.
 */
public final class FlinkRest {

    /** One job as the cluster lists it. */
    public record Job(String id, String name, String state) {
        /** Not finished, failed or cancelled (nor being cancelled). */
        public boolean active() {
            return !List.of("FINISHED", "FAILED", "CANCELED", "CANCELLING").contains(state);
        }
    }

    /** Why a plain-HTTP client cannot talk to a TLS cluster. */
    static final String TLS_ONLY = "it speaks TLS only";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String base;
    private final HttpClient http;

    /** The cluster whose REST endpoint is {@code master} (host:port), with the client configuration in {@code confDir} (or null). */
    public FlinkRest(String master, Path confDir) {
        Map<String, String> conf = confDir == null ? Map.of() : readConf(confDir);
        boolean tls = "true".equalsIgnoreCase(conf.get("security.ssl.rest.enabled"));
        this.base = (tls ? "https://" : "http://") + master;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3));
        if (tls) {
            b.sslContext(sslContext(conf));
        }
        this.http = b.build();
    }

    /** Task slots the cluster has now (those of the TaskManagers that are alive). */
    public int slotsTotal() throws IOException {
        return get("/overview").path("slots-total").asInt();
    }

    /** Every job the cluster knows, running or not. */
    public List<Job> jobs() throws IOException {
        List<Job> out = new ArrayList<>();
        for (JsonNode j : get("/jobs/overview").path("jobs")) {
            out.add(new Job(j.path("jid").asText(), j.path("name").asText(), j.path("state").asText()));
        }
        return out;
    }

    /** Asks the cluster to cancel job {@code id}; true when it accepted. */
    public boolean cancel(String id) {
        try {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + "/jobs/" + id + "?mode=cancel"))
                    .method("PATCH", HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(5)).build();
            int code = http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
            return code / 100 == 2;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private JsonNode get(String path) throws IOException {
        try {
            HttpRequest r = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5)).GET().build();
            HttpResponse<InputStream> resp = http.send(r, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = resp.body()) {
                if (resp.statusCode() / 100 == 3 && resp.headers().firstValue("location").orElse("").startsWith("https:")) {
                    throw new IOException(TLS_ONLY);
                }
                if (resp.statusCode() != 200) {
                    throw new IOException("the Flink cluster at " + base + " answered " + resp.statusCode() + " to " + path);
                }
                return JSON.readTree(in);
            }
        } catch (java.net.ConnectException e) {
            throw new IOException("nothing answers there", e);
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IOException("no answer within 5 s", e);
        } catch (javax.net.ssl.SSLException e) {
            throw new IOException("TLS refused: " + Runner.rootMessage(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /** {@code key: value} lines of {@code DIR/flink-conf.yaml} (the flat form Flink 1.19 writes and reads). */
    static Map<String, String> readConf(Path confDir) {
        Path f = confDir.resolve("flink-conf.yaml");
        Map<String, String> m = new HashMap<>();
        try {
            for (String line : Files.readAllLines(f)) {
                int c = line.indexOf(':');
                if (!line.strip().startsWith("#") && c > 0) {
                    m.put(line.substring(0, c).strip(), line.substring(c + 1).strip());
                }
            }
        } catch (IOException e) {
            throw new ConfigException("--flink-conf " + confDir + ": cannot read " + f.getFileName() + " (" + Runner.reason(e) + ")");
        }
        return m;
    }

    private static SSLContext sslContext(Map<String, String> conf) {
        try {
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(store(conf, "keystore"), conf.getOrDefault("security.ssl.rest.key-password",
                    conf.getOrDefault("security.ssl.rest.keystore-password", "")).toCharArray());
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store(conf, "truststore"));
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("--flink-conf: the REST keystore or truststore cannot be used (" + Runner.reason(e) + ")");
        }
    }

    private static KeyStore store(Map<String, String> conf, String kind) throws GeneralSecurityException, IOException {
        String file = conf.get("security.ssl.rest." + kind);
        if (file == null) {
            throw new ConfigException("--flink-conf: security.ssl.rest." + kind + " is not set");
        }
        KeyStore ks = KeyStore.getInstance(conf.getOrDefault("security.ssl.rest." + kind + "-type", "PKCS12"));
        try (InputStream in = Files.newInputStream(Path.of(file))) {
            ks.load(in, conf.getOrDefault("security.ssl.rest." + kind + "-password", "").toCharArray());
        }
        return ks;
    }
}
