package bitgrad.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A worker's local staging folder for one artifact, in a temp folder shared with other programs:
 * {@code bitgrad-<stage>-p<pid>-<n>/} holding a marker file ({@link #MARKER}: who made it, the
 * process id and its start time) and {@code files/}, where the artifact's files are produced.
 * Cleanup removes such a folder only when every sign says bitgrad made it and its maker is gone
 * ({@link #abandoned}); a folder that merely has a similar name is never touched.
 *
 * @param dir the staging folder
 */
public record Staging(Path dir) {

    /** The marker file's name. */
    public static final String MARKER = "bitgrad-staging.json";

    /** The only names a staging folder has ({@link Files#createTempDirectory} appends digits). */
    private static final Pattern NAME = Pattern.compile("bitgrad-[a-z][a-z0-9-]{0,40}-p(\\d{1,10})-\\d{1,20}");

    /** What the marker says of its maker. */
    private static final String MADE_BY = "bitgrad staging folder";

    /** How old a folder must be before cleanup considers it (a process may still be writing its marker). */
    static final long MIN_AGE_MILLIS = 60_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Makes a staging folder for {@code stage} in {@code tmpRoot}, marked as this process's. */
    public static Staging create(Path tmpRoot, String stage) throws IOException {
        Path dir = Files.createTempDirectory(tmpRoot, "bitgrad-" + stage + "-" + ArtifactStore.ownerTag() + "-");
        ProcessHandle self = ProcessHandle.current();
        Files.write(dir.resolve(MARKER), JSON.writeValueAsBytes(JSON.createObjectNode().put("made_by", MADE_BY)
                .put("pid", self.pid()).put("started", started(self))));
        Files.createDirectory(dir.resolve("files"));
        return new Staging(dir);
    }

    /** Where the artifact's files are produced. */
    public Path files() {
        return dir.resolve("files");
    }

    /**
     * True only when {@code p} is a staging folder bitgrad made and its maker is gone: a folder
     * (not a link) with a staging folder's exact name, owned by this user, older than a minute,
     * holding a marker that says bitgrad made it in a process that no longer runs (or whose pid
     * now belongs to a process started at another time).
     */
    public static boolean abandoned(Path p) {
        var m = NAME.matcher(p.getFileName().toString());
        if (!m.matches() || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            if (!Files.getOwner(p, LinkOption.NOFOLLOW_LINKS).getName().equals(System.getProperty("user.name"))
                    || Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() > System.currentTimeMillis() - MIN_AGE_MILLIS) {
                return false;
            }
            Path marker = p.resolve(MARKER);
            if (!Files.isRegularFile(marker, LinkOption.NOFOLLOW_LINKS) || Files.size(marker) > 4096) {
                return false;
            }
            JsonNode n = JSON.readTree(marker.toFile());
            long pid = n == null ? -1 : n.path("pid").asLong(-1);
            if (pid < 0 || !MADE_BY.equals(n.path("made_by").asText()) || !m.group(1).equals(Long.toString(pid))) {
                return false;
            }
            if (pid == ProcessHandle.current().pid()) {
                return false;
            }
            return ProcessHandle.of(pid).map(h -> !h.isAlive() || !started(h).equals(n.path("started").asText())).orElse(true);
        } catch (IOException | RuntimeException e) {
            return false; // whatever cannot be read is not provably ours
        }
    }

    private static String started(ProcessHandle h) {
        return h.info().startInstant().map(Object::toString).orElse("unknown");
    }
}
