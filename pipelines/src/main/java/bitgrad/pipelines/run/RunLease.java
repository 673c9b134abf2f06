package bitgrad.pipelines.run;

import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A run's claim on the cache: {@code runs/<run-id>/lease.json} lists every artifact the run's
 * plan reads or writes, and the run holds an OS file lock on it while it lives. {@code cache gc}
 * keeps whatever a lease names: while the lock is held (a live run) always, after the process died
 * without a run record (a killed run) unless asked to drop unfinished work. Leases are taken and
 * gc runs under one cache-wide lock ({@code cache/.gc.lock}), so no run can start between gc's
 * look at the leases and its deletions.
 */
public final class RunLease implements AutoCloseable {

    /** File name of a lease inside a run folder. */
    public static final String FILE = "lease.json";

    /** One JVM-wide guard: the OS lock is per process, and a second lock from the same JVM would throw. */
    private static final ReentrantLock IN_JVM = new ReentrantLock();

    /**
     * Leases held by this JVM. Checked before touching the file: closing any channel on a locked
     * file may release every lock this process holds on it.
     */
    private static final java.util.Map<Path, List<String>> HELD = new java.util.concurrent.ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLease(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Writes and locks the lease of run {@code runDir} naming {@code artifacts} ({@code stage/key}). */
    public static RunLease take(Path cacheDir, Path runDir, Collection<String> artifacts) throws IOException {
        try (GcLock g = GcLock.acquire(cacheDir)) {
            ObjectNode n = Task.JSON.createObjectNode();
            n.put("pid", ProcessHandle.current().pid());
            var arr = n.putArray("artifacts");
            artifacts.forEach(arr::add);
            Path file = runDir.resolve(FILE);
            Path tmp = runDir.resolve(FILE + ".tmp");
            Files.write(tmp, Task.JSON.writeValueAsBytes(n));
            Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
            try {
                RunLease lease = new RunLease(file, ch, ch.lock());
                HELD.put(file.toAbsolutePath().normalize(), List.copyOf(artifacts));
                return lease;
            } catch (IOException | RuntimeException e) {
                ch.close();
                throw e;
            }
        }
    }

    /** Releases the lock and removes the lease (the run record now speaks for the run). */
    @Override
    public void close() throws IOException {
        try {
            lock.release();
        } finally {
            channel.close();
            Files.deleteIfExists(file);
            HELD.remove(file.toAbsolutePath().normalize());
        }
    }

    /** What gc learns from one lease file. */
    public record State(Path file, boolean live, List<String> artifacts, String problem) {
    }

    /**
     * A run's state from its record's {@code status}: as recorded, but {@code killed} for a record
     * that says {@code running} when no process holds the run's lease (SIGKILL, a crash, a power loss).
     */
    public static String state(Path runDir, String status) {
        if (!status.equals(RunRecord.RUNNING)) {
            return status;
        }
        State lease = inspect(runDir);
        return lease != null && lease.live() ? status : "killed";
    }

    /** Reads the lease in {@code runDir} (null when none) and whether its run still holds it. */
    public static State inspect(Path runDir) {
        Path f = runDir.resolve(FILE);
        if (!Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        List<String> mine = HELD.get(f.toAbsolutePath().normalize());
        if (mine != null) {
            return new State(f, true, mine, null);
        }
        boolean live = lockedElsewhere(f);
        try {
            JsonNode n = Task.JSON.readTree(f.toFile());
            List<String> a = new ArrayList<>();
            n.path("artifacts").forEach(x -> bitgrad.schemas.ArtifactStore.Ref.parse(x.asText()).ifPresent(r -> a.add(r.toString())));
            return new State(f, live, a, null);
        } catch (IOException e) {
            return new State(f, live, List.of(), "damaged lease");
        }
    }

    /** True when another process holds the lock on lease file {@code f} (its run is alive). */
    private static boolean lockedElsewhere(Path f) {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return true;
            }
            if (l == null) {
                return true;
            }
            l.release();
            return false;
        } catch (IOException e) {
            return true; // cannot tell: treat as alive, the safe side for gc
        }
    }

    /** The cache-wide lock held by gc for its whole pass and by a run while it takes its lease. */
    public static final class GcLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private GcLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        /** Blocks until the lock is held. */
        public static GcLock acquire(Path cacheDir) throws IOException {
            IN_JVM.lock();
            try {
                Files.createDirectories(cacheDir);
                FileChannel ch = FileChannel.open(cacheDir.resolve(".gc.lock"), StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                try {
                    return new GcLock(ch, ch.lock());
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
            } catch (IOException | RuntimeException e) {
                IN_JVM.unlock();
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            try {
                lock.release();
                channel.close();
            } finally {
                IN_JVM.unlock();
            }
        }
    }
}
