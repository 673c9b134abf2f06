package bitgrad.models.objectives;

import bitgrad.models.HostRandom;
import bitgrad.models.Seeds;

/**
 * A batch of inputs {@code x ~ N(0, I)}, {@code (size, dim)}, defined by its seed and generated
 * slice by slice so a batch of a million rows never has to exist at once. Slice {@code s} is
 * drawn from {@code derive(seed, "slice", s)}; the slice size is part of the batch's identity.
 *
 * @param seed seed of the batch
 * @param size number of rows
 * @param dim row width
 * @param sliceRows rows per slice (the last may be shorter)
 */
public record GaussianBatch(long seed, long size, int dim, int sliceRows) implements Batch {

    /** Default rows per slice: 65 536. */
    public static final int DEFAULT_SLICE_ROWS = 1 << 16;

    public GaussianBatch {
        if (size < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + size);
        }
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be >= 1, got " + dim);
        }
        if (sliceRows < 1) {
            throw new IllegalArgumentException("slice rows must be >= 1, got " + sliceRows);
        }
    }

    /** A batch with the default slice size. */
    public static GaussianBatch of(long seed, long size, int dim) {
        return new GaussianBatch(seed, size, dim, DEFAULT_SLICE_ROWS);
    }

    @Override
    public int maxRows() {
        return (int) Math.min(size, sliceRows);
    }

    @Override
    public int slices() {
        return Math.toIntExact((size + sliceRows - 1) / sliceRows);
    }

    @Override
    public int rows(int s) {
        return (int) Math.min(sliceRows, size - (long) s * sliceRows);
    }

    @Override
    public float[] slice(int s) {
        return HostRandom.gaussian(Seeds.derive(seed, "slice", s), rows(s) * dim);
    }
}
