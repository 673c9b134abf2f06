package bitgrad.models.objectives;

/** Test inputs held in memory, {@code (x.length / dim, dim)} row-major, in slices of {@code sliceRows}. */
public record ArrayBatch(float[] x, int dim, int sliceRows) implements Batch {
    @Override
    public long size() {
        return x.length / dim;
    }

    @Override
    public int slices() {
        return (int) ((size() + sliceRows - 1) / sliceRows);
    }

    @Override
    public int rows(int s) {
        return (int) Math.min(sliceRows, size() - (long) s * sliceRows);
    }

    @Override
    public int maxRows() {
        return rows(0);
    }

    @Override
    public float[] slice(int s) {
        float[] out = new float[rows(s) * dim];
        System.arraycopy(x, s * sliceRows * dim, out, 0, out.length);
        return out;
    }
}
