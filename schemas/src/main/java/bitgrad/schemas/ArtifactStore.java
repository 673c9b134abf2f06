package bitgrad.schemas;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.LinkOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The content-addressed artifact cache: {@code <root>/<stage>/<key>/} holds a stage task's
 * files plus {@code manifest.json} (sizes and SHA-256 of every file). An artifact is built in a
 * private temporary folder and renamed into place in one step, so a reader sees a complete
 * artifact or none; every hit is verified against its manifest, and a missing, truncated or
 * altered file makes it a miss, never a crash.
 *
 * <p>Over 400 lines because the store's rules on disk (names confined to the root, the manifest as the only list of an
 * artifact's files, private temporaries owned by a live process, atomic commit) are kept in the one class that applies them.
 */
public final class ArtifactStore {

    /** Name of the manifest file inside an artifact folder. */
    public static final String MANIFEST = "manifest.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Path root;

    /** A store rooted at {@code root} (created on first write). */
    public ArtifactStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    /** The root folder. */
    public Path root() {
        return root;
    }

    /** What a stage or key name may be: one plain path segment, never {@code ..} or a separator. */
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,127}");

    /** What an artifact reference read from a record must be: {@code stage/key}, a stage name and a hex key. */
    private static final java.util.regex.Pattern REF = java.util.regex.Pattern.compile("([a-z][a-z0-9-]{0,40})/([0-9a-f]{8,64})");

    /** True when {@code name} can be a file of an artifact: one plain name, not the manifest's. */
    public static boolean isFileName(String name) {
        return name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,200}") && !name.equals(MANIFEST);
    }

    /** An artifact named as {@code stage/key}. */
    public record Ref(String stage, String key) {

        /**
         * The reference written as {@code text}, or empty when it is anything else (a path, an
         * empty string, a number): every reference read from a run record or lease goes through
         * here before a file is opened, so nothing read from a record leads out of the cache.
         */
        public static java.util.Optional<Ref> parse(String text) {
            java.util.regex.Matcher m = REF.matcher(text == null ? "" : text);
            return m.matches() ? java.util.Optional.of(new Ref(m.group(1), m.group(2))) : java.util.Optional.empty();
        }

        @Override
        public String toString() {
            return stage + "/" + key;
        }
    }

    /** Folder of artifact {@code (stage, key)}, whether or not it exists; a name that is not one plain segment is refused. */
    public Path dir(String stage, String key) {
        if (!NAME.matcher(stage).matches() || !NAME.matcher(key).matches()) {
            throw new IllegalArgumentException("not an artifact name: " + stage + "/" + key);
        }
        return root.resolve(stage).resolve(key);
    }

    /** Path of file {@code name} of artifact {@code (stage, key)}. */
    public Path file(String stage, String key, String name) {
        return dir(stage, key).resolve(name);
    }

    /** One file's entry in a manifest. */
    public record FileEntry(long bytes, String sha256) {
    }

    /** What {@code manifest.json} says. */
    public record Manifest(String stage, String key, String created, Map<String, FileEntry> files, Map<String, Object> info) {
    }

    /** The state of an artifact. */
    public record Check(boolean valid, String reason, Manifest manifest) {

        static Check ok(Manifest m) {
            return new Check(true, "cached", m);
        }

        static Check bad(String reason) {
            return new Check(false, reason, null);
        }
    }

    /** Verifies artifact {@code (stage, key)}: present, manifest readable, every file's size and checksum right. */
    public Check check(String stage, String key) {
        return check(stage, key, List.of());
    }

    /**
     * {@link #check(String, String)}, and every file in {@code required} (the files the stage
     * declares) is listed in the manifest: a manifest that lost an entry is not trusted.
     */
    public Check check(String stage, String key, List<String> required) {
        Path dir = dir(stage, key);
        if (!Files.isDirectory(dir)) {
            return Check.bad("not cached");
        }
        try {
            requireInside(root, dir, "the cache");
        } catch (IOException e) {
            return Check.bad("its folder leads out of the cache through a link");
        }
        Manifest m;
        try {
            m = JSON.readValue(dir.resolve(MANIFEST).toFile(), Manifest.class);
        } catch (IOException e) {
            return Check.bad("manifest unreadable");
        }
        if (m.files() == null || !stage.equals(m.stage()) || !key.equals(m.key())) {
            return Check.bad("manifest does not describe this artifact");
        }
        for (String name : required) {
            if (!m.files().containsKey(name)) {
                return Check.bad("manifest lacks the declared file " + name);
            }
        }
        for (String name : m.files().keySet()) {
            if (!isFileName(name)) {
                return Check.bad("manifest names a file outside the artifact");
            }
        }
        String unlisted = unlisted(dir, m);
        if (unlisted != null) {
            return Check.bad(unlisted);
        }
        for (Map.Entry<String, FileEntry> f : m.files().entrySet()) {
            Path p = dir.resolve(f.getKey());
            try {
                if (Files.isSymbolicLink(p)) {
                    return Check.bad("file " + f.getKey() + " is a link, not a file of the artifact");
                }
                if (Files.size(p) != f.getValue().bytes()) {
                    return Check.bad("file " + f.getKey() + " has the wrong size");
                }
                if (!sha256(p).equals(f.getValue().sha256())) {
                    return Check.bad("file " + f.getKey() + " fails its checksum");
                }
                if (f.getKey().endsWith(".arrow")) {
                    new ArrowFiles.Reader(p).close();
                }
            } catch (CorruptArtifactException e) {
                return Check.bad("file " + f.getKey() + " is not a bitgrad Arrow file of schema version " + Schemas.VERSION);
            } catch (NoSuchFileException e) {
                return Check.bad("file " + f.getKey() + " is missing");
            } catch (IOException e) {
                return Check.bad("file " + f.getKey() + " unreadable");
            }
        }
        return Check.ok(m);
    }

    /**
     * An artifact is exactly its manifest: anything else in its folder (a file, a folder, a link)
     * makes it bad, as nothing unlisted may be read or copied. Returns why, or null.
     */
    private static String unlisted(Path dir, Manifest m) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                if (!name.equals(MANIFEST) && !m.files().containsKey(name)) {
                    return "holds " + name + ", which its manifest does not list";
                }
            }
            return null;
        } catch (IOException e) {
            return "folder unreadable";
        }
    }

    /** Starts writing artifact {@code (stage, key)} in a private temporary folder. */
    public Pending begin(String stage, String key) throws IOException {
        return begin(stage, key, null, null);
    }

    /** Copies one finished local file to a path in the store. */
    @FunctionalInterface
    public interface FileWriter {
        /** Writes the bytes of {@code local} to {@code inStore}. */
        void write(Path local, Path inStore) throws IOException;
    }

    /**
     * Starts writing artifact {@code (stage, key)}: its files are produced in a staging folder
     * that this call makes in {@code tmpRoot} (a worker's local temp folder, marked as bitgrad's
     * and deleted on close) and, at commit, written into the store's private temporary folder by
     * {@code writer} (workers pass Beam's FileSystems), checksummed as they landed, and renamed
     * into place. With a null {@code tmpRoot} files are produced in place.
     */
    public Pending begin(String stage, String key, Path tmpRoot, FileWriter writer) throws IOException {
        Path target = dir(stage, key); // the names are checked before anything is made
        Path tmp = root.resolve(".tmp").resolve(stage + "-" + key + "-" + ownerTag() + "-" + UUID.randomUUID());
        Files.createDirectories(root);
        requireInside(root, tmp, "the cache");
        requireInside(root, target, "the cache");
        Staging staging = tmpRoot == null ? null : Staging.create(tmpRoot, stage);
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            if (staging != null) {
                deleteTree(staging.dir());
            }
            throw e;
        }
        return new Pending(stage, key, tmp, staging, writer);
    }

    /** An artifact being written; {@link #close} without {@link #commit} discards it. */
    public final class Pending implements AutoCloseable {
        private final String stage;
        private final String key;
        private final Path tmp;
        private final Staging staging;
        private final FileWriter writer;
        private boolean committed;

        private Pending(String stage, String key, Path tmp, Staging staging, FileWriter writer) {
            this.stage = stage;
            this.key = key;
            this.tmp = tmp;
            this.staging = staging;
            this.writer = writer;
        }

        /** Where to write file {@code name} of this artifact. */
        public Path file(String name) {
            if (!isFileName(name)) {
                throw new IllegalArgumentException("bad artifact file name " + name);
            }
            return files().resolve(name);
        }

        /** The folder this artifact's files are produced in (nothing else is there). */
        public Path files() {
            return staging == null ? tmp : staging.files();
        }

        /**
         * Writes the manifest and renames the artifact into place. If a valid artifact with this
         * key is already there (another process got there first) it is kept unless {@code replace}.
         */
        public void commit(Map<String, Object> info, boolean replace) throws IOException {
            commit(info, replace, List.of());
        }

        /**
         * {@link #commit(Map, boolean)}, where an artifact already in place counts as valid only if
         * its manifest also lists every file in {@code required}.
         */
        public void commit(Map<String, Object> info, boolean replace, List<String> required) throws IOException {
            if (staging != null) {
                try (Stream<Path> s = Files.list(staging.files())) {
                    for (Path p : s.sorted().toList()) {
                        writer.write(p, tmp.resolve(p.getFileName().toString()));
                    }
                }
            }
            Map<String, FileEntry> files = new TreeMap<>();
            try (Stream<Path> s = Files.list(tmp)) {
                for (Path p : s.sorted().toList()) {
                    files.put(p.getFileName().toString(), new FileEntry(Files.size(p), sha256(p)));
                }
            }
            JSON.writeValue(tmp.resolve(MANIFEST).toFile(),
                    new Manifest(stage, key, Instant.now().toString(), files, new TreeMap<>(info)));
            Path target = dir(stage, key);
            Files.createDirectories(target.getParent());
            for (int attempt = 0; attempt < 3 && !committed; attempt++) {
                if (Files.exists(target)) {
                    if (!replace && check(stage, key, required).valid()) {
                        deleteTree(tmp);
                        committed = true;
                        return;
                    }
                    Path trash = root.resolve(".tmp").resolve("old-" + stage + "-" + key + "-" + ownerTag() + "-" + UUID.randomUUID());
                    try {
                        Files.move(target, trash, StandardCopyOption.ATOMIC_MOVE);
                        deleteTree(trash);
                    } catch (NoSuchFileException e) {
                        // someone else moved it; try again
                    }
                }
                try {
                    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                    committed = true;
                } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                    // a concurrent writer won the race; loop to decide whether to keep theirs
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("the cache folder " + root + " does not support atomic renames", e);
                } catch (java.nio.file.FileSystemException e) {
                    // on Linux a rename onto a non-empty folder fails with ENOTEMPTY, which Java reports as a plain
                    // FileSystemException ("Directory not empty"): the same lost race, unless nothing is there
                    if (!Files.exists(target)) {
                        throw e;
                    }
                }
            }
            if (!committed) {
                throw new IOException("could not place artifact " + stage + "/" + key);
            }
        }

        @Override
        public void close() throws IOException {
            if (!committed) {
                deleteTree(tmp);
            }
            if (staging != null) {
                deleteTree(staging.dir());
            }
        }
    }

    /** Every {@code (stage, key)} folder in the store (valid or not) whose names can be an artifact's. */
    public List<String[]> list() throws IOException {
        List<String[]> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> stages = Files.list(root)) {
            for (Path s : stages.filter(Files::isDirectory).sorted().toList()) {
                String stage = s.getFileName().toString();
                if (!NAME.matcher(stage).matches()) {
                    continue; // .tmp, .checkpoints, or a folder that cannot be an artifact's
                }
                try (Stream<Path> keys = Files.list(s)) {
                    for (Path k : keys.filter(Files::isDirectory).sorted().toList()) {
                        if (NAME.matcher(k.getFileName().toString()).matches()) {
                            out.add(new String[] {stage, k.getFileName().toString()});
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Removes artifact {@code (stage, key)} (moved aside atomically first, then deleted). */
    public void delete(String stage, String key) throws IOException {
        Path target = dir(stage, key);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        requireConfined(target);
        Path trash = root.resolve(".tmp").resolve("old-" + stage + "-" + key + "-" + ownerTag() + "-" + UUID.randomUUID());
        Files.createDirectories(trash.getParent());
        Files.move(target, trash, StandardCopyOption.ATOMIC_MOVE);
        deleteTree(trash);
    }

    /**
     * Where a long task of {@code (stage, key)} keeps its resumable checkpoint: outside the
     * cache (a checkpoint is never an artifact), dropped once the artifact commits.
     */
    public Path checkpoint(String stage, String key) {
        return root.resolve(".checkpoints").resolve(stage + "-" + key + ".arrow");
    }

    private static final java.util.regex.Pattern OWNER = java.util.regex.Pattern.compile(".*-p(\\d+)-.*");

    /** {@code p<pid>}: names every temporary this process creates, so that what a dead process left can be told apart. */
    public static String ownerTag() {
        return "p" + ProcessHandle.current().pid();
    }

    /** True when {@code name} carries the tag of a process that no longer runs on this machine. */
    static boolean ownerDead(String name) {
        java.util.regex.Matcher m = OWNER.matcher(name);
        if (!m.matches()) {
            return false;
        }
        long pid = Long.parseLong(m.group(1));
        return pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true);
    }

    /**
     * Removes what processes that died left behind: their folders in this store's {@code .tmp}
     * (only bitgrad writes there) and, in the system temp folder, the staging folders that are
     * provably bitgrad's (see {@link Staging#abandoned}). Returns how many.
     */
    public int removeLeftovers() throws IOException {
        return removeLeftovers(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** {@link #removeLeftovers()} with {@code systemTmp} as the system temp folder. */
    public int removeLeftovers(Path systemTmp) throws IOException {
        int n = 0;
        Path tmp = root.resolve(".tmp");
        if (Files.isDirectory(tmp, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> s = Files.list(tmp)) {
                for (Path p : s.toList()) {
                    if (ownerDead(p.getFileName().toString())) {
                        deleteInside(p);
                        n++;
                    }
                }
            }
        }
        try (Stream<Path> s = Files.list(systemTmp)) {
            for (Path p : s.toList()) {
                if (Staging.abandoned(p)) {
                    deleteTree(p);
                    n++;
                }
            }
        } catch (IOException e) {
            // the system temp folder may not be listable; leftovers there are not ours to insist on
        }
        return n;
    }

    /** Temporary folders left by runs that died (older than {@code minAgeMillis}). */
    public List<Path> staleTemporaries(long minAgeMillis) throws IOException {
        Path tmp = root.resolve(".tmp");
        if (!Files.isDirectory(tmp, LinkOption.NOFOLLOW_LINKS)) {
            return List.of(); // missing, or a link: never followed out of the cache
        }
        long cutoff = System.currentTimeMillis() - minAgeMillis;
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> {
                try {
                    return Files.getLastModifiedTime(p).toMillis() < cutoff;
                } catch (IOException e) {
                    return false;
                }
            }).sorted().toList();
        }
    }

    /**
     * Throws unless {@code p}'s folder, with every link resolved, lies inside this store's root:
     * nothing is ever moved or deleted through a link that leads out of the cache.
     */
    public void requireConfined(Path p) throws IOException {
        requireInside(root, p.toAbsolutePath().normalize().getParent(), "the cache");
    }

    /**
     * The one rule for links: throws unless {@code p} (or, while it does not exist yet, its nearest
     * existing folder), with every link resolved, lies inside {@code base}. Nothing is read,
     * written, moved or deleted through a link that leads out of the runs dir or the cache.
     *
     * @param what how the message names {@code base} ("the cache", "the runs dir")
     */
    public static void requireInside(Path base, Path p, String what) throws IOException {
        Path real = base.toRealPath();
        Path q = p.toAbsolutePath().normalize();
        Path existing = q;
        while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        if (existing == null || !existing.toRealPath().startsWith(real)) {
            throw new IOException(q + " leads out of " + what + " through a link");
        }
    }

    /** Deletes a temporary or artifact folder of this store, never following a link out of it. */
    public void deleteInside(Path p) throws IOException {
        requireConfined(p);
        if (Files.isSymbolicLink(p)) {
            Files.delete(p);
            return;
        }
        deleteTree(p);
    }

    /** Deletes a folder tree (missing is fine; links inside it are removed, never followed). */
    public static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** Hex SHA-256 of a file. */
    public static String sha256(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Hex SHA-256 of a string's UTF-8 bytes. */
    public static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reads {@code manifest.json} of an artifact without verifying it. */
    public Manifest manifest(String stage, String key) {
        try {
            return JSON.readValue(dir(stage, key).resolve(MANIFEST).toFile(), Manifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
