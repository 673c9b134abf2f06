package bitgrad.transforms;

import bitgrad.models.objectives.GaussianBatch;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.Arrays;
import java.util.List;

/** Stage {@code generate-data}: a seeded N(0, I) batch, one record batch per slice (column {@code x}, one row per sample). */
public final class GenerateDataStage extends Stage<GenerateDataStage.Params> {

    /**
     * @param dim input width
     * @param rows samples in the batch
     * @param sliceRows samples per record batch (bounds memory of readers and writers)
     * @param seed seed of the draw
     */
    public record Params(int dim, long rows, int sliceRows, long seed) {
    }

    /** The batch. */
    public static final Output DATA = new Output("data.arrow", Tables.DATA);

    public GenerateDataStage() {
        super("generate-data", 1, Params.class, DATA);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        GaussianBatch batch = new GaussianBatch(p.seed(), p.rows(), p.dim(), p.sliceRows());
        try (ArrowFiles.Writer w = new ArrowFiles.Writer(c.output(DATA), Tables.DATA.empty())) {
            for (int s = 0; s < batch.slices(); s++) {
                float[] x = batch.slice(s);
                ColumnTable t = Tables.DATA.empty();
                for (int r = 0; r < batch.rows(s); r++) {
                    t.add(Arrays.copyOfRange(x, r * p.dim(), (r + 1) * p.dim()));
                }
                w.write(t);
            }
        }
        return "dim=" + p.dim() + " rows=" + batch.size();
    }
}
