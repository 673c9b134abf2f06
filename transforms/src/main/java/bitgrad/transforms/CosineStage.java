package bitgrad.transforms;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.measure.Gradients;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Stage {@code cosine}: the cosine between every pair of estimates of one (model, batch), per
 * tensor and over all tensors of the normalised directions (the steps the sweeps take). It reads
 * only the estimates, so a changed estimator recomputes its own lr sweep and this cheap table,
 * not every sweep of the grid point. Input {@code estimates}.
 */
public final class CosineStage extends Stage<CosineStage.Params> {

    /**
     * @param point the grid point (carried into the summary)
     * @param normalize per_tensor or global, as the sweeps normalise
     */
    public record Params(GridPoint point, String normalize) {
    }

    /** Cosine between every pair of estimates. */
    public static final Output COSINE = new Output("cosine.arrow", Tables.COSINE);

    public CosineStage() {
        super("cosine", 1, Params.class, COSINE);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Gradients.Norm norm = Gradients.Norm.valueOf(c.params().normalize().toUpperCase(Locale.ROOT));
        List<ParamSet> grads = new ArrayList<>();
        List<Estimator> ests = new ArrayList<>();
        for (TaskRef ref : c.inputs("estimates")) {
            ests.add(c.paramsOf(ref, Stages.ESTIMATE).estimator());
            grads.add(Gradients.normalize(c.readParams(ref, EstimateStage.GRADIENT), norm));
        }
        ColumnTable cosine = Tables.COSINE.empty();
        for (int i = 0; i < grads.size(); i++) {
            for (int j = i + 1; j < grads.size(); j++) {
                Estimator a = ests.get(i);
                Estimator b = ests.get(j);
                double[] per = Gradients.cosinePerTensor(grads.get(i), grads.get(j));
                for (int t = 0; t < per.length; t++) {
                    cosine.add(a.label(), a.specJson(), b.label(), b.specJson(), grads.get(i).get(t).name(), per[t]);
                }
                // of the directions stepped (per-tensor normalised by default), not of the raw estimates
                cosine.add(a.label(), a.specJson(), b.label(), b.specJson(), "all", Gradients.cosine(grads.get(i), grads.get(j)));
            }
        }
        c.write(COSINE, cosine);
        return grads.size() + " estimates, " + cosine.rows() + " cosines";
    }
}
