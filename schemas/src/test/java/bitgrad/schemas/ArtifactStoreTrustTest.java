package bitgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store's rules for what it reads and removes: references, exact manifests, staging folders. */
class ArtifactStoreTrustTest {

    @TempDir
    Path dir;

    private ArtifactStore committed(String stage, String key) throws Exception {
        ArtifactStore store = new ArtifactStore(dir.resolve("cache"));
        try (ArtifactStore.Pending w = store.begin(stage, key)) {
            Files.writeString(w.file("a.txt"), "content");
            w.commit(Map.of(), false);
        }
        return store;
    }

    @Test
    void onlyStageSlashKeyIsAReference() {
        assertEquals(Optional.of(new ArtifactStore.Ref("plot", "0123abcd")), ArtifactStore.Ref.parse("plot/0123abcd"));
        assertEquals("lr-sweep/0123abcd", ArtifactStore.Ref.parse("lr-sweep/0123abcd").orElseThrow().toString());
        for (String bad : new String[] {"plot/../../../outside/evilplot", "x", "", "5", "plot/", "/0123abcd", "plot/0123abcd/x",
            "plot/0123ABCD", "plot/..", "../plot/0123abcd", "plot/0123abcd\n", null}) {
            assertEquals(Optional.empty(), ArtifactStore.Ref.parse(bad), String.valueOf(bad));
        }
    }

    @Test
    void aNameThatIsNotOneSegmentNeverBecomesAPath() {
        ArtifactStore store = new ArtifactStore(dir.resolve("cache"));
        for (String[] bad : new String[][] {{"plot", "../../x"}, {"..", "k"}, {"plot", ""}, {"a/b", "k"}, {"plot", "k/.."}}) {
            assertThrows(IllegalArgumentException.class, () -> store.dir(bad[0], bad[1]), String.join("/", bad));
            assertThrows(IllegalArgumentException.class, () -> store.begin(bad[0], bad[1]), String.join("/", bad));
        }
    }

    @Test
    void anythingTheManifestDoesNotListMakesTheArtifactBad() throws Exception {
        ArtifactStore store = committed("summary", "0123abcd");
        Path art = store.dir("summary", "0123abcd");
        assertTrue(store.check("summary", "0123abcd").valid());
        Files.writeString(art.resolve("injected.arrow"), "x");
        assertEquals("holds injected.arrow, which its manifest does not list", store.check("summary", "0123abcd").reason());
        Files.delete(art.resolve("injected.arrow"));
        Files.createDirectory(art.resolve("sub"));
        assertFalse(store.check("summary", "0123abcd").valid(), "an unlisted folder");
        Files.delete(art.resolve("sub"));
        Files.createSymbolicLink(art.resolve(".hidden"), dir);
        assertFalse(store.check("summary", "0123abcd").valid(), "an unlisted hidden link");
        Files.delete(art.resolve(".hidden"));
        assertTrue(store.check("summary", "0123abcd").valid());
        // a listed file replaced by a link to a file with the same bytes
        Path outside = Files.writeString(dir.resolve("same.txt"), "content");
        Files.delete(art.resolve("a.txt"));
        Files.createSymbolicLink(art.resolve("a.txt"), outside);
        assertEquals("file a.txt is a link, not a file of the artifact", store.check("summary", "0123abcd").reason());
    }

    @Test
    void cleanupRemovesOnlyStagingFoldersBitgradMadeWhoseMakerIsGone() throws Exception {
        Path sys = Files.createDirectories(dir.resolve("systmp"));
        ArtifactStore store = new ArtifactStore(dir.resolve("cache"));
        long dead = deadPid();
        // the drill: a user's folder that happens to start like bitgrad's
        Path thesis = Files.createDirectories(sys.resolve("bitgrad-mythesis-p4000000-final/chapter1"));
        Files.writeString(thesis.resolve("notes.tex"), "keep");
        // bitgrad's name, no marker; a marker naming another program; a marker with a pid that is not in the name
        Path unmarked = Files.createDirectories(sys.resolve("bitgrad-estimate-p" + dead + "-1"));
        Path otherMaker = marked(sys, "bitgrad-estimate-p" + dead + "-2", "{\"made_by\":\"someone\",\"pid\":" + dead + "}");
        Path otherPid = marked(sys, "bitgrad-estimate-p" + dead + "-3", marker(dead + 1));
        Path linked = sys.resolve("bitgrad-estimate-p" + dead + "-4");
        Files.createSymbolicLink(linked, Files.createDirectories(dir.resolve("elsewhere")));
        Path young = marked(sys, "bitgrad-estimate-p" + dead + "-5", marker(dead));
        Files.setLastModifiedTime(young, FileTime.fromMillis(System.currentTimeMillis()));
        Path mine = Staging.create(sys, "estimate").dir(); // this live process's own
        Files.setLastModifiedTime(mine, FileTime.fromMillis(0));
        Path abandoned = marked(sys, "bitgrad-estimate-p" + dead + "-6", marker(dead));
        List<Path> kept = List.of(thesis, unmarked, otherMaker, otherPid, linked, young, mine);
        for (Path p : List.of(thesis.getParent(), unmarked, otherMaker, otherPid)) {
            Files.setLastModifiedTime(p, FileTime.fromMillis(0));
        }

        assertEquals(1, store.removeLeftovers(sys));
        assertFalse(Files.exists(abandoned), "a dead bitgrad process's staging folder is removed");
        for (Path p : kept) {
            assertTrue(Files.exists(p), "removed " + p.getFileName());
        }
        assertTrue(Files.exists(dir.resolve("elsewhere")), "a link was followed");
    }

    @Test
    void aStagingFolderHoldsOnlyTheArtifactsFilesAndGoesWithItsPending() throws Exception {
        Path sys = Files.createDirectories(dir.resolve("systmp"));
        ArtifactStore store = new ArtifactStore(dir.resolve("cache"));
        try (ArtifactStore.Pending w = store.begin("summary", "0123abcd", sys, (from, to) -> Files.copy(from, to))) {
            Files.writeString(w.file("a.txt"), "content");
            w.commit(Map.of(), false);
        }
        assertEquals(List.of("a.txt", ArtifactStore.MANIFEST), List.of(store.dir("summary", "0123abcd").toFile().list()).stream()
                .sorted().toList(), "the marker is not part of the artifact");
        assertTrue(store.check("summary", "0123abcd").valid());
        assertEquals(0, sys.toFile().list().length, "the staging folder is gone");
    }

    private static String marker(long pid) {
        return "{\"made_by\":\"bitgrad staging folder\",\"pid\":" + pid + ",\"started\":\"2026-01-01T00:00:00Z\"}";
    }

    private static Path marked(Path sys, String name, String markerJson) throws Exception {
        Path d = Files.createDirectories(sys.resolve(name).resolve("files")).getParent();
        Files.writeString(d.resolve(Staging.MARKER), markerJson);
        Files.setLastModifiedTime(d, FileTime.fromMillis(0));
        return d;
    }

    /** The pid of a process that has ended. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-version")
                .redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        p.waitFor();
        return p.pid();
    }
}
