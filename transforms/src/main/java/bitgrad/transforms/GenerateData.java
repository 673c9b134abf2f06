package bitgrad.transforms;

import bitgrad.models.objectives.GaussianBatch;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Schemas;
import java.util.Arrays;
import java.util.Map;

/**
 * Stage {@code generate-data}: a seeded N(0, I) batch, {@code data.arrow} with one record batch
 * per slice (column {@code x}, one row per sample). Parameters: {@code dim, rows, slice_rows, seed}.
 */
public final class GenerateData extends StageTransform {

    /** Stage name. */
    public static final String NAME = "generate-data";

    /** Output file. */
    public static final String FILE = "data.arrow";

    public GenerateData(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new GenerateDataFn(store, force);
    }

    static final class GenerateDataFn extends StageFn {
        GenerateDataFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            int dim = task.param("dim").asInt();
            GaussianBatch batch = new GaussianBatch(task.param("seed").asLong(), task.param("rows").asLong(), dim,
                    task.param("slice_rows").asInt());
            try (ArrowFiles.Writer w = new ArrowFiles.Writer(out.file(FILE), Schemas.dataTable())) {
                for (int s = 0; s < batch.slices(); s++) {
                    float[] x = batch.slice(s);
                    ColumnTable t = Schemas.dataTable();
                    for (int r = 0; r < batch.rows(s); r++) {
                        t.add(Arrays.copyOfRange(x, r * dim, (r + 1) * dim));
                    }
                    w.write(t);
                }
            }
            return "dim=" + dim + " rows=" + batch.size();
        }
    }
}
