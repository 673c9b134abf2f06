package bitgrad.transforms;

/**
 * Where a toy-model measurement sits in an experiment's grid: what its tables are identified by.
 *
 * @param dim input width
 * @param activation the evaluate model's activation (quantizer name)
 * @param rows rows of the data batch
 * @param init index of the initialisation (0 .. num_init-1)
 * @param batch index of the data batch (0 .. num_batch-1)
 * @param pretrained whether the evaluate model was STE-pretrained
 */
public record GridPoint(int dim, String activation, long rows, int init, int batch, boolean pretrained) {
}
