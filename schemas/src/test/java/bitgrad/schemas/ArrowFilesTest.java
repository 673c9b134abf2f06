package bitgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArrowFilesTest {

    @TempDir
    Path dir;

    static ColumnTable sample() {
        return new ColumnTable("lr_curve", "estimator", ColumnType.STRING, "step", ColumnType.LONG, "lr", ColumnType.DOUBLE,
                "values", ColumnType.FLOAT_LIST, "shape", ColumnType.LONG_LIST)
                .add("cdg", 1, 0.5, new float[] {1f, -2f}, new long[] {2})
                .add(null, 2L, 1e-4, new float[0], new long[] {3, 4})
                .add("ste", 3L, null, null, null);
    }

    /** Equal tables must give equal bytes in every JVM: the schema metadata is written in sorted order. */
    @Test
    void schemaMetadataIsWrittenInSortedOrder() throws Exception {
        Path p = dir.resolve("m.arrow");
        ArrowFiles.write(p, sample());
        String bytes = new String(Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1);
        int kind = bytes.indexOf(Schemas.KIND_KEY);
        int version = bytes.indexOf(Schemas.VERSION_KEY);
        assertTrue(kind >= 0 && version >= 0);
        // one fixed order, whatever the JVM's Map.of salt (flatbuffers lay the sorted entries out back to front)
        assertTrue(version < kind, "bitgrad.schema_version laid out before bitgrad.kind");
    }

    @Test
    void tablesRoundTripThroughArrowFilesWithSeveralBatches() throws Exception {
        Path p = dir.resolve("t.arrow");
        ArrowFiles.write(p, List.of(sample(), sample().slice(0, 1)));
        ColumnTable t = ArrowFiles.read(p);
        assertEquals("lr_curve", t.kind());
        assertEquals(4, t.rows());
        assertEquals("cdg", t.string("estimator", 0));
        assertNull(t.get("estimator", 1));
        assertEquals(2L, t.getLong("step", 1));
        assertEquals(1e-4, t.getDouble("lr", 1));
        assertArrayEquals(new float[] {1f, -2f}, t.floats("values", 0));
        assertArrayEquals(new float[0], t.floats("values", 1));
        assertArrayEquals(new long[] {3, 4}, t.longs("shape", 1));
        assertNull(t.get("values", 2));
        assertEquals("cdg", t.string("estimator", 3));
        try (ArrowFiles.Reader r = new ArrowFiles.Reader(p)) {
            assertEquals(2, r.batches());
            assertEquals(1, r.batch(1).rows());
        }
    }

    @Test
    void booleansRoundTripWithNulls() throws Exception {
        Path p = dir.resolve("b.arrow");
        ArrowFiles.write(p, new ColumnTable("flags", "pretrained", ColumnType.BOOLEAN).add(true).add((Object) null).add(false));
        ColumnTable t = ArrowFiles.read(p);
        assertEquals(ColumnType.BOOLEAN, t.columns().get("pretrained"));
        assertEquals(true, t.get("pretrained", 0));
        assertNull(t.get("pretrained", 1));
        assertEquals(false, t.get("pretrained", 2));
    }

    @Test
    void paramSetsRoundTrip() throws Exception {
        ParamSet p = new ParamSet(List.of(new HostTensor("w", new long[] {2, 2}, new float[] {1, 2, 3, 4})));
        Path f = dir.resolve("p.arrow");
        ArrowFiles.write(f, Schemas.toTable(p));
        assertTrue(p.contentEquals(Schemas.toParamSet(ArrowFiles.read(f))));
    }

    @Test
    void truncatedFlippedAndForeignFilesAreReportedAsCorrupt() throws Exception {
        Path p = dir.resolve("t.arrow");
        ArrowFiles.write(p, sample());
        byte[] bytes = Files.readAllBytes(p);

        Path truncated = dir.resolve("truncated.arrow");
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        assertThrows(CorruptArtifactException.class, () -> ArrowFiles.read(truncated));

        Path garbage = dir.resolve("garbage.arrow");
        Files.writeString(garbage, "not arrow at all");
        assertThrows(CorruptArtifactException.class, () -> ArrowFiles.read(garbage));

        Path empty = dir.resolve("empty.arrow");
        Files.write(empty, new byte[0]);
        assertThrows(CorruptArtifactException.class, () -> ArrowFiles.read(empty));
    }

    @Test
    void aWrongSchemaVersionIsRejected() throws Exception {
        Path p = dir.resolve("t.arrow");
        ArrowFiles.write(p, sample());
        byte[] bytes = Files.readAllBytes(p);
        String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = s.indexOf(Schemas.VERSION_KEY);
        assertTrue(at > 0);
        // The version value "1" follows its key in the flatbuffer; make it "9".
        int v = s.indexOf("1", at + Schemas.VERSION_KEY.length());
        bytes[v] = '9';
        Path q = dir.resolve("v9.arrow");
        Files.write(q, bytes);
        CorruptArtifactException e = assertThrows(CorruptArtifactException.class, () -> ArrowFiles.read(q));
        assertTrue(e.getMessage().contains("version"), e.getMessage());
    }

    @Test
    void storeCommitsAtomicallyAndVerifiesEveryHit() throws Exception {
        ArtifactStore store = new ArtifactStore(dir.resolve("cache"));
        assertFalse(store.check("estimate", "k1").valid());
        try (ArtifactStore.Pending w = store.begin("estimate", "k1")) {
            ArrowFiles.write(w.file("g.arrow"), sample());
            assertFalse(store.check("estimate", "k1").valid(), "nothing is visible before commit");
            w.commit(Map.of("seconds", 1.5), false);
        }
        ArtifactStore.Check c = store.check("estimate", "k1");
        assertTrue(c.valid(), c.reason());
        assertEquals(1.5, c.manifest().info().get("seconds"));

        Path f = store.file("estimate", "k1", "g.arrow");
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 0x40;
        Files.write(f, b);
        assertEquals("file g.arrow fails its checksum", store.check("estimate", "k1").reason());
        Files.delete(f);
        assertEquals("file g.arrow is missing", store.check("estimate", "k1").reason());

        try (ArtifactStore.Pending w = store.begin("estimate", "k1")) {
            ArrowFiles.write(w.file("g.arrow"), sample());
            w.commit(Map.of(), false);
        }
        assertTrue(store.check("estimate", "k1").valid(), "a corrupt artifact is replaced");
        try (ArtifactStore.Pending w = store.begin("estimate", "k2")) {
            ArrowFiles.write(w.file("g.arrow"), sample());
        }
        assertFalse(Files.exists(store.dir("estimate", "k2")), "an uncommitted artifact leaves nothing");
        assertTrue(store.staleTemporaries(0).isEmpty(), "and no temporary folder");
        assertEquals(1, store.list().size());
    }
}
