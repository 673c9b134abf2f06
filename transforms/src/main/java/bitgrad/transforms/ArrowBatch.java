package bitgrad.transforms;

import bitgrad.models.objectives.Batch;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.Schemas;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** A data artifact (one record batch per slice, column {@code x}) read slice by slice as a {@link Batch}. */
public final class ArrowBatch implements Batch, AutoCloseable {

    private final ArrowFiles.Reader reader;
    private final int dim;
    private final int[] rows;
    private final long size;

    /** Opens a data artifact of rows of width {@code dim}. */
    public ArrowBatch(Path file, int dim) throws IOException {
        this.reader = new ArrowFiles.Reader(file);
        this.dim = dim;
        if (!Schemas.DATA.equals(reader.empty().kind())) {
            reader.close();
            throw new IOException(file + " is not a data artifact");
        }
        rows = new int[reader.batches()];
        long n = 0;
        for (int s = 0; s < rows.length; s++) {
            rows[s] = reader.rows(s);
            n += rows[s];
        }
        size = n;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int slices() {
        return rows.length;
    }

    @Override
    public int rows(int s) {
        return rows[s];
    }

    @Override
    public int maxRows() {
        int m = 0;
        for (int r : rows) {
            m = Math.max(m, r);
        }
        return m;
    }

    @Override
    public float[] slice(int s) {
        try {
            return reader.floatRows(s, "x", dim);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
