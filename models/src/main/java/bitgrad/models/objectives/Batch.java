package bitgrad.models.objectives;

/**
 * Inputs {@code (size, dim)} delivered slice by slice, so a batch too large for one tensor
 * streams through the estimators in chunks.
 */
public interface Batch {

    /** Number of rows. */
    long size();

    /** Row width. */
    int dim();

    /** Number of slices. */
    int slices();

    /** Rows in slice {@code s}. */
    int rows(int s);

    /** The largest slice's row count. */
    int maxRows();

    /** The values of slice {@code s}, {@code rows(s) * dim}, row-major. */
    float[] slice(int s);
}
