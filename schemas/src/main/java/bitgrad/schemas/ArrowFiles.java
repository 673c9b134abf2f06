package bitgrad.schemas;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.message.ArrowBlock;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.Schema;

/**
 * Arrow IPC <em>file</em> format I/O for {@link ColumnTable}s: what pyarrow opens with
 * {@code pyarrow.ipc.open_file} (or pandas via {@code pyarrow.feather.read_table}). One file
 * holds one schema and any number of record batches.
 */
public final class ArrowFiles {

    private static final BufferAllocator ROOT = new RootAllocator();

    private ArrowFiles() {
    }

    /** The process-wide Arrow root allocator (components take child allocators from it). */
    public static BufferAllocator root() {
        return ROOT;
    }

    /** Writes {@code batches} (same kind and columns) as one Arrow file; {@code path} must not exist. */
    public static void write(Path path, List<ColumnTable> batches) throws IOException {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("an Arrow file needs at least one batch");
        }
        try (Writer w = new Writer(path, batches.get(0))) {
            for (ColumnTable t : batches) {
                w.write(t);
            }
        }
    }

    /** Writes one table as an Arrow file. */
    public static void write(Path path, ColumnTable table) throws IOException {
        write(path, List.of(table));
    }

    /** Reads every batch of an Arrow file into one table. */
    public static ColumnTable read(Path path) throws IOException {
        try (Reader r = new Reader(path)) {
            ColumnTable all = null;
            for (int i = 0; i < r.batches(); i++) {
                ColumnTable b = r.batch(i);
                all = all == null ? b : all.addAll(b);
            }
            return all != null ? all : r.empty();
        }
    }

    /** Streams tables into an Arrow file batch by batch, so a large artifact never sits in memory whole. */
    public static final class Writer implements AutoCloseable {
        private final BufferAllocator alloc;
        private final VectorSchemaRoot root;
        private final FileChannel channel;
        private final ArrowFileWriter writer;
        private final ColumnTable shape;

        /** Opens {@code path} (which must not exist) for tables shaped like {@code like}. */
        public Writer(Path path, ColumnTable like) throws IOException {
            this.shape = ColumnTable.like(like);
            List<Field> fields = new ArrayList<>();
            like.columns().forEach((n, t) -> fields.add(t.field(n)));
            // sorted metadata: Map.of iterates in an order salted per JVM, which made equal tables
            // differ byte for byte between processes (found by two concurrent runs)
            Map<String, String> meta = new java.util.TreeMap<>();
            meta.put(Schemas.KIND_KEY, like.kind());
            meta.put(Schemas.VERSION_KEY, Integer.toString(Schemas.VERSION));
            Schema schema = new Schema(fields, meta);
            alloc = ROOT.newChildAllocator("write " + path.getFileName(), 0, Long.MAX_VALUE);
            root = VectorSchemaRoot.create(schema, alloc);
            channel = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            writer = new ArrowFileWriter(root, null, channel);
            writer.start();
        }

        /** Appends {@code t} as one record batch. */
        public void write(ColumnTable t) throws IOException {
            if (!t.columns().equals(shape.columns()) || !t.kind().equals(shape.kind())) {
                throw new IllegalArgumentException("batch of " + t.kind() + " does not match the file's " + shape.kind());
            }
            root.allocateNew();
            for (Map.Entry<String, ColumnType> c : t.columns().entrySet()) {
                fill(root.getVector(c.getKey()), c.getValue(), t.column(c.getKey()));
            }
            root.setRowCount(t.rows());
            writer.writeBatch();
        }

        @Override
        public void close() throws IOException {
            try {
                writer.end();
            } finally {
                writer.close();
                channel.close();
                root.close();
                alloc.close();
            }
        }
    }

    private static void fill(FieldVector v, ColumnType type, List<Object> values) {
        int n = values.size();
        switch (type) {
            case STRING -> {
                VarCharVector s = (VarCharVector) v;
                for (int i = 0; i < n; i++) {
                    if (values.get(i) == null) {
                        s.setNull(i);
                    } else {
                        s.setSafe(i, ((String) values.get(i)).getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            case LONG -> {
                BigIntVector b = (BigIntVector) v;
                for (int i = 0; i < n; i++) {
                    if (values.get(i) == null) {
                        b.setNull(i);
                    } else {
                        b.setSafe(i, (Long) values.get(i));
                    }
                }
            }
            case DOUBLE -> {
                Float8Vector d = (Float8Vector) v;
                for (int i = 0; i < n; i++) {
                    if (values.get(i) == null) {
                        d.setNull(i);
                    } else {
                        d.setSafe(i, (Double) values.get(i));
                    }
                }
            }
            case FLOAT_LIST -> fillList((ListVector) v, values, o -> ((float[]) o).length,
                    (o, j, at) -> ((Float4Vector) ((ListVector) v).getDataVector()).setSafe(at, ((float[]) o)[j]));
            case LONG_LIST -> fillList((ListVector) v, values, o -> ((long[]) o).length,
                    (o, j, at) -> ((BigIntVector) ((ListVector) v).getDataVector()).setSafe(at, ((long[]) o)[j]));
            case BOOLEAN -> {
                BitVector b = (BitVector) v;
                for (int i = 0; i < n; i++) {
                    if (values.get(i) == null) {
                        b.setNull(i);
                    } else {
                        b.setSafe(i, (Boolean) values.get(i) ? 1 : 0);
                    }
                }
            }
            default -> throw new IllegalStateException(type.name());
        }
        v.setValueCount(n);
    }

    /** Writes element {@code j} of list value {@code value} at position {@code at} of the child vector. */
    private interface ElementWriter {
        void write(Object value, int j, int at);
    }

    private static void fillList(ListVector l, List<Object> values, java.util.function.ToIntFunction<Object> length,
            ElementWriter element) {
        int total = 0;
        for (int i = 0; i < values.size(); i++) {
            Object value = values.get(i);
            if (value == null) {
                l.setNull(i);
                continue;
            }
            int n = length.applyAsInt(value);
            int off = l.startNewValue(i);
            for (int j = 0; j < n; j++) {
                element.write(value, j, off + j);
            }
            l.endValue(i, n);
            total = off + n;
        }
        l.getDataVector().setValueCount(total);
    }

    /** Random access to the record batches of an Arrow file written by bitgrad. */
    public static final class Reader implements AutoCloseable {
        private final Path path;
        private final BufferAllocator alloc;
        private final FileChannel channel;
        private final ArrowFileReader reader;
        private final List<ArrowBlock> blocks;
        private final ColumnTable shape;

        /** Opens and validates {@code path}: a readable Arrow file of a bitgrad schema of this version. */
        public Reader(Path path) throws IOException {
            this.path = path;
            alloc = ROOT.newChildAllocator("read " + path.getFileName(), 0, Long.MAX_VALUE);
            FileChannel ch = null;
            ArrowFileReader r = null;
            try {
                ch = FileChannel.open(path, StandardOpenOption.READ);
                r = new ArrowFileReader(ch, alloc);
                Schema schema = r.getVectorSchemaRoot().getSchema();
                Map<String, String> meta = schema.getCustomMetadata();
                String kind = meta == null ? null : meta.get(Schemas.KIND_KEY);
                String version = meta == null ? null : meta.get(Schemas.VERSION_KEY);
                if (kind == null || !Integer.toString(Schemas.VERSION).equals(version)) {
                    throw new CorruptArtifactException(path + ": schema " + kind + " version " + version + ", expected version "
                            + Schemas.VERSION);
                }
                List<Object> cols = new ArrayList<>();
                for (Field f : schema.getFields()) {
                    cols.add(f.getName());
                    cols.add(ColumnType.of(f));
                }
                shape = new ColumnTable(kind, cols.toArray());
                blocks = r.getRecordBlocks();
            } catch (CorruptArtifactException e) {
                closeQuietly(r, ch);
                alloc.close();
                throw e;
            } catch (IOException | RuntimeException e) {
                closeQuietly(r, ch);
                alloc.close();
                throw new CorruptArtifactException(path + ": not a readable Arrow file (" + e.getMessage() + ")", e);
            }
            channel = ch;
            reader = r;
        }

        private static void closeQuietly(AutoCloseable... cs) {
            for (AutoCloseable c : cs) {
                try {
                    if (c != null) {
                        c.close();
                    }
                } catch (Exception ignored) {
                    // already failing
                }
            }
        }

        /** Number of record batches. */
        public int batches() {
            return blocks.size();
        }

        /** An empty table with the file's kind and columns. */
        public ColumnTable empty() {
            return ColumnTable.like(shape);
        }

        /** Rows of record batch {@code i} (its columns are read, not converted). */
        public int rows(int i) throws IOException {
            try {
                reader.loadRecordBatch(blocks.get(i));
                return reader.getVectorSchemaRoot().getRowCount();
            } catch (IOException | RuntimeException e) {
                throw new CorruptArtifactException(path + ": batch " + i + " unreadable (" + e.getMessage() + ")", e);
            }
        }

        /**
         * Float-list column {@code column} of record batch {@code i} as one row-major array, every
         * row {@code width} floats: the bulk read of a data slice (one copy, no per-element calls).
         *
         * @throws IOException when a row is null or has another width
         */
        public float[] floatRows(int i, String column, int width) throws IOException {
            try {
                reader.loadRecordBatch(blocks.get(i));
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                int n = root.getRowCount();
                ListVector l = (ListVector) root.getVector(column);
                for (int r = 0; r < n; r++) {
                    if (l.isNull(r) || l.getElementEndIndex(r) - l.getElementStartIndex(r) != width) {
                        throw new IOException("row " + r + " of column " + column + " is not " + width + " floats");
                    }
                }
                Float4Vector d = (Float4Vector) l.getDataVector();
                float[] out = new float[n * width];
                if (n > 0 && d.getNullCount() > 0) {
                    throw new IOException("column " + column + " holds missing values");
                }
                long start = n == 0 ? 0 : l.getElementStartIndex(0);
                d.getDataBuffer().nioBuffer(start * Float.BYTES, out.length * Float.BYTES)
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
                return out;
            } catch (RuntimeException e) {
                throw new CorruptArtifactException(path + ": batch " + i + " unreadable (" + e.getMessage() + ")", e);
            }
        }

        /** Record batch {@code i} as a table. */
        public ColumnTable batch(int i) throws IOException {
            try {
                reader.loadRecordBatch(blocks.get(i));
                VectorSchemaRoot root = reader.getVectorSchemaRoot();
                ColumnTable t = empty();
                int n = root.getRowCount();
                Object[][] cols = new Object[shape.columns().size()][];
                int c = 0;
                for (Map.Entry<String, ColumnType> col : shape.columns().entrySet()) {
                    cols[c++] = extract(root.getVector(col.getKey()), col.getValue(), n);
                }
                Object[] row = new Object[cols.length];
                for (int r = 0; r < n; r++) {
                    for (int k = 0; k < cols.length; k++) {
                        row[k] = cols[k][r];
                    }
                    t.add(row);
                }
                return t;
            } catch (IOException | RuntimeException e) {
                throw new CorruptArtifactException(path + ": batch " + i + " unreadable (" + e.getMessage() + ")", e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                reader.close();
                channel.close();
            } finally {
                alloc.close();
            }
        }
    }

    private static Object[] extract(FieldVector v, ColumnType type, int n) {
        Object[] out = new Object[n];
        for (int i = 0; i < n; i++) {
            if (v.isNull(i)) {
                continue;
            }
            out[i] = switch (type) {
                case STRING -> new String(((VarCharVector) v).get(i), StandardCharsets.UTF_8);
                case LONG -> ((BigIntVector) v).get(i);
                case DOUBLE -> ((Float8Vector) v).get(i);
                case BOOLEAN -> ((BitVector) v).get(i) == 1;
                case FLOAT_LIST -> {
                    ListVector l = (ListVector) v;
                    float[] f = new float[l.getElementEndIndex(i) - l.getElementStartIndex(i)];
                    Float4Vector d = (Float4Vector) l.getDataVector();
                    for (int j = 0; j < f.length; j++) {
                        f[j] = d.get(l.getElementStartIndex(i) + j);
                    }
                    yield f;
                }
                case LONG_LIST -> {
                    ListVector l = (ListVector) v;
                    long[] f = new long[l.getElementEndIndex(i) - l.getElementStartIndex(i)];
                    BigIntVector d = (BigIntVector) l.getDataVector();
                    for (int j = 0; j < f.length; j++) {
                        f[j] = d.get(l.getElementStartIndex(i) + j);
                    }
                    yield f;
                }
            };
        }
        return out;
    }
}
