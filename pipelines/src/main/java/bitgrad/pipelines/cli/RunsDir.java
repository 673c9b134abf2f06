package bitgrad.pipelines.cli;

import bitgrad.pipelines.config.ConfigException;
import bitgrad.schemas.ArtifactStore;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import bitgrad.pipelines.run.RunLease;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/** The run folders under a runs dir and their {@code run.json} records. */
final class RunsDir {

    private RunsDir() {
    }

    /** Run ids (folders holding a run.json), oldest first. */
    static List<String> runIds(Path runsDir) throws IOException {
        List<String> ids = new ArrayList<>();
        if (!Files.isDirectory(runsDir)) {
            return ids;
        }
        try (Stream<Path> s = Files.list(runsDir)) {
            s.filter(p -> Files.isRegularFile(p.resolve("run.json"), LinkOption.NOFOLLOW_LINKS)).map(p -> p.getFileName().toString())
                    .sorted().forEach(ids::add);
        }
        return ids;
    }

    /**
     * A run's state from its record: ok, failed, interrupted (SIGINT or SIGTERM), running (its
     * process holds the run's lease), or killed (the record says running but no process holds the
     * lease: SIGKILL, a crash or a power loss).
     */
    static String state(Path runsDir, String id, JsonNode record) {
        return RunLease.state(runsDir.resolve(id), record.path("status").asText());
    }

    /** The run named {@code id}: an exact id, a unique prefix, or {@code latest}. */
    static String resolve(Path runsDir, String id) throws IOException {
        List<String> ids = runIds(runsDir);
        if (ids.isEmpty()) {
            throw new ConfigException("no runs in " + runsDir);
        }
        if (id.equals("latest")) {
            for (int i = ids.size() - 1; i >= 0; i--) {
                if (readRecord(runsDir.resolve(ids.get(i)).resolve("run.json")) != null) {
                    return ids.get(i); // the newest run whose record is whole; damaged ones are named when asked for
                }
            }
            throw new ConfigException("no run in " + runsDir + " has a readable run.json");
        }
        if (ids.contains(id)) {
            return id;
        }
        List<String> matches = ids.stream().filter(x -> x.startsWith(id)).toList();
        if (matches.size() == 1) {
            return matches.get(0);
        }
        // a run's --name: the newest run whose id ends with it
        List<String> named = ids.stream().filter(x -> x.endsWith("-" + id)).toList();
        if (matches.isEmpty() && !named.isEmpty()) {
            return named.get(named.size() - 1);
        }
        throw new ConfigException(matches.isEmpty() ? "no run '" + id + "' in " + runsDir + " (try 'latest')"
                : "run id '" + id + "' is ambiguous: " + String.join(", ", matches));
    }

    /** The run record of {@code runId}; a damaged one is a one-line error that names it. */
    static JsonNode record(Path runsDir, String runId) throws IOException {
        JsonNode n = readRecord(runsDir.resolve(runId).resolve("run.json"));
        if (n == null) {
            throw new ConfigException("run record " + runsDir.resolve(runId).resolve("run.json")
                    + " is damaged (not a complete JSON record); delete that run folder or rerun the experiment");
        }
        return n;
    }

    /** A run record, or null when it is empty, truncated or not a JSON object. */
    static JsonNode readRecord(Path file) throws IOException {
        try {
            JsonNode n = Task.JSON.readTree(file.toFile());
            return n != null && n.isObject() && n.has("run_id") ? n : null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }

    /**
     * What the runs under a runs dir hold on to in the cache.
     *
     * @param finished artifacts ({@code stage/key}) named by complete run records
     * @param live artifacts named by the leases of runs still running
     * @param liveRuns ids of those runs
     * @param unfinished per run that died without a record, the artifacts its lease names; per run that
     *     failed, the artifacts its plan named and its record does not list as used
     * @param killedLeases the lease files of those runs
     * @param damaged run records that cannot be read (what they use is unknown)
     * @param strays temporary files (a lease or record being written, a page being assembled) that
     *     processes left in run folders no live run holds, older than an hour
     */
    record Claims(Set<String> finished, Set<String> live, List<String> liveRuns, Map<String, List<String>> unfinished,
            List<Path> killedLeases, List<String> damaged, List<Path> strays) {
    }

    /** How old a run folder's temporary file must be before gc takes it for a dead process's. */
    static final long STRAY_AGE_MILLIS = 60 * 60 * 1000L;

    /** Reads every run folder's record and lease (links are not followed). */
    static Claims claims(Path runsDir) throws IOException {
        Claims c = new Claims(new HashSet<>(), new HashSet<>(), new ArrayList<>(), new TreeMap<>(), new ArrayList<>(), new ArrayList<>(),
                new ArrayList<>());
        if (!Files.isDirectory(runsDir)) {
            return c;
        }
        List<Path> dirs;
        try (Stream<Path> s = Files.list(runsDir)) {
            dirs = s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) && !p.getFileName().toString().startsWith(".")
                    && !p.getFileName().toString().equals("cache")).sorted().toList();
        }
        for (Path d : dirs) {
            String id = d.getFileName().toString();
            RunLease.State lease = RunLease.inspect(d);
            if (lease != null && lease.live()) {
                c.liveRuns().add(id);
                c.live().addAll(lease.artifacts());
                continue;
            }
            c.strays().addAll(strays(d));
            Path rec = d.resolve("run.json");
            if (Files.isRegularFile(rec, LinkOption.NOFOLLOW_LINKS)) {
                JsonNode n = readRecord(rec);
                if (n == null) {
                    c.damaged().add(id + "/run.json");
                } else {
                    List<String> used = artifacts(n);
                    c.finished().addAll(used);
                    List<String> notUsed = refs(n.path(bitgrad.pipelines.run.RunRecord.PLANNED));
                    notUsed.removeAll(used);
                    if (!notUsed.isEmpty()) {
                        c.unfinished().put(id, notUsed);
                    }
                }
            } else if (lease != null) {
                if (lease.problem() != null) {
                    c.damaged().add(id + "/" + RunLease.FILE + " (" + lease.problem() + ")");
                } else {
                    c.unfinished().put(id, lease.artifacts());
                    c.killedLeases().add(lease.file());
                }
            }
        }
        return c;
    }

    /** A run folder's temporary files ({@code lease.json.tmp}, {@code .<name>.tmp}) older than {@link #STRAY_AGE_MILLIS}. */
    private static List<Path> strays(Path runDir) throws IOException {
        long cutoff = System.currentTimeMillis() - STRAY_AGE_MILLIS;
        try (Stream<Path> s = Files.list(runDir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                try {
                    return (n.equals(RunLease.FILE + ".tmp") || n.startsWith(".") && n.endsWith(".tmp"))
                            && Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                            && Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() < cutoff;
                } catch (IOException e) {
                    return false;
                }
            }).sorted().toList();
        }
    }

    /**
     * Every {@code stage/key} a run record refers to (entries of any other form are ignored: they
     * could point outside the cache; see {@link ArtifactStore.Ref#parse}).
     */
    static List<String> artifacts(JsonNode record) {
        List<String> out = new ArrayList<>();
        record.path("stages").forEach(s -> out.addAll(refs(s.path("artifacts"))));
        return out;
    }

    /** The entries of a JSON array that are artifact references ({@code stage/key}); anything else is left out. */
    private static List<String> refs(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> {
            if (a.isTextual()) {
                ArtifactStore.Ref.parse(a.asText()).ifPresent(r -> out.add(r.toString()));
            }
        });
        return out;
    }

    /** Throws a one-line error unless {@code runsDir} is an existing folder (commands that only read it). */
    static void requireExisting(Path runsDir) {
        if (!Files.isDirectory(runsDir)) {
            throw new ConfigException(Files.exists(runsDir) ? "runs dir " + runsDir + " is not a folder"
                    : "runs dir " + runsDir + " does not exist");
        }
    }
}
