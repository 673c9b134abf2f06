package bitgrad.transforms;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.List;

/**
 * Stage {@code summary}: the run's result tables gathered from every lr-sweep and rosenbrock
 * task, each row identified by its grid point (read from the input's own parameters). Inputs
 * {@code sweeps, cosines, rosenbrock}.
 */
public final class SummaryStage extends Stage<SummaryStage.Params> {

    /** No parameters: everything comes from the inputs. */
    public record Params() {
    }

    /** Best decrease per (dim, activation, rows, init, batch, pretrained, estimator). */
    public static final Output SUMMARY = new Output("summary.arrow", Tables.SUMMARY);

    /** Every cosine with its grid point. */
    public static final Output COSINE = new Output("cosine.arrow", Tables.SUMMARY_COSINE);

    /** The end of every Rosenbrock descent. */
    public static final Output ROSENBROCK = new Output("rosenbrock.arrow", Tables.SUMMARY_ROSENBROCK);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public SummaryStage() {
        super("summary", 9, Params.class, SUMMARY, COSINE, ROSENBROCK);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        ColumnTable summary = Tables.SUMMARY.empty();
        ColumnTable cosine = Tables.SUMMARY_COSINE.empty();
        for (TaskRef sweep : c.inputs("sweeps")) {
            GridPoint g = c.paramsOf(sweep, Stages.LR_SWEEP).point();
            long pre = g.pretrained() ? 1L : 0L;
            ColumnTable best = c.read(sweep, LrSweepStage.BEST);
            for (int r = 0; r < best.rows(); r++) {
                bitgrad.models.estimators.Estimator est = bitgrad.models.estimators.Estimators.decode(best.string("estimator_spec", r));
                Object[] typed = est.typedColumns();
                summary.add((long) g.dim(), g.activation(), g.rows(), (long) g.init(), (long) g.batch(), pre, best.string("estimator", r),
                        best.string("estimator_spec", r), est.family(), typed[0], typed[1], typed[2], typed[3], typed[4],
                        best.get("base_loss", r), best.get("best_decrease", r), best.get("best_lr", r),
                        best.get("nominal_flops", r), best.get("heldout_base_loss", r), best.get("heldout_decrease", r),
                        best.get("heldout_best_decrease", r), best.get("perturbation_norm", r),
                        best.get("lr_low", r), best.get("lr_high", r), best.get("at_edge", r));
            }
        }
        for (TaskRef pairs : c.inputs("cosines")) {
            GridPoint g = c.paramsOf(pairs, Stages.COSINE).point();
            long pre = g.pretrained() ? 1L : 0L;
            ColumnTable cos = c.read(pairs, CosineStage.COSINE);
            for (int r = 0; r < cos.rows(); r++) {
                cosine.add((long) g.dim(), g.activation(), g.rows(), (long) g.init(), (long) g.batch(), pre, cos.string("a", r),
                        cos.string("a_spec", r), cos.string("b", r), cos.string("b_spec", r), cos.string("tensor", r), cos.get("cosine", r));
            }
        }
        ColumnTable ros = Tables.SUMMARY_ROSENBROCK.empty();
        for (TaskRef run : c.inputs("rosenbrock")) {
            RosenbrockStage.Params p = c.paramsOf(run, Stages.ROSENBROCK);
            ColumnTable path = c.read(run, RosenbrockStage.TRAJECTORY);
            double cos = 0;
            int n = 0;
            Double lastCosine = null;
            for (int r = 0; r < path.rows(); r++) {
                if (path.get("cosine", r) != null) {
                    lastCosine = path.getDouble("cosine", r);
                    cos += lastCosine;
                    n++;
                }
            }
            int last = path.rows() - 1;
            ros.add((long) p.start(), p.estimator().label(), p.estimator().specJson(), p.optimizer(), (long) p.steps(),
                    path.getDouble("f", last), path.getDouble("distance", last), n == 0 ? null : cos / n, lastCosine);
        }
        c.write(SUMMARY, summary);
        c.write(COSINE, cosine);
        c.write(ROSENBROCK, ros);
        return summary.rows() + " estimates, " + ros.rows() + " rosenbrock runs";
    }
}
