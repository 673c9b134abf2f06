package bitgrad.transforms;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.util.ArrayList;
import java.util.List;

/**
 * Stage {@code estimate}: one estimator's raw gradient at the evaluate model on one data batch.
 * Inputs {@code model} (init-models or pretrain), {@code init} (the teacher), {@code data}.
 */
public final class EstimateStage extends Stage<EstimateStage.Params> {

    /**
     * @param model the evaluate model's shape
     * @param estimator the estimator and its hyperparameters
     * @param seed seed of the estimator's draws
     */
    public record Params(MlpSpec model, Estimator estimator, long seed) {
    }

    /** The raw (unnormalised) gradient, one tensor per weight tensor. */
    public static final Output GRADIENT = new Output("gradient.arrow", Tables.TENSORS);

    /** Bump the version whenever the output changes (the cache key follows it). */
    public EstimateStage() {
        super("estimate", 4, Params.class, GRADIENT);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Estimator e = c.params().estimator();
        try (ArrowBatch data = ToyInputs.data(c, c.params().model());
                TeacherStudentObjective o = ToyInputs.objective(c, c.params().model(), data)) {
            long t0 = System.nanoTime();
            ParamSet g;
            if (e instanceof CdgEstimator cdg) {
                CdgEstimator.Counted counted = cdg.estimateCounted(o, c.params().seed());
                g = counted.gradient();
                c.info("crossings", counted.crossings());
            } else {
                g = e.estimate(o, c.params().seed());
            }
            if (e instanceof bitgrad.models.estimators.SrSteEstimator sr && c.params().model().depth() > 0) {
                // how far the rounding probabilities are from a coin flip, per hidden layer (not part of the gradient)
                c.info("p_offset", sr.meanAbsPOffset(o, c.params().seed()));
            }
            return finish(c, o, g, (System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * NES estimates of one model, batch, sigma and seed (every form and sample count but rank
     * shaping) are one group: {@link NesEstimator#estimateShared} computes them in one pass over
     * the largest count's directions, each equal to its estimate alone.
     */
    @Override
    public String group(Params p) {
        return p.estimator() instanceof NesEstimator nes && !nes.rankShaping()
                ? "nes sigma=" + nes.sigma() + " seed=" + p.seed() + " model=" + p.model() : null;
    }

    @Override
    public List<String> computeGroup(List<StageContext<Params>> members) throws Exception {
        StageContext<Params> first = members.get(0);
        List<NesEstimator> forms = new ArrayList<>();
        for (StageContext<Params> c : members) {
            forms.add((NesEstimator) c.params().estimator());
        }
        try (ArrowBatch data = ToyInputs.data(first, first.params().model());
                TeacherStudentObjective o = ToyInputs.objective(first, first.params().model(), data)) {
            long t0 = System.nanoTime();
            List<ParamSet> gradients = NesEstimator.estimateShared(o, first.params().seed(), forms);
            double share = (System.nanoTime() - t0) / 1e9 / members.size();
            // what the pass cost: its largest count, and whether it evaluated w - s u too (the cost model reads them)
            int passSamples = forms.stream().mapToInt(NesEstimator::samples).max().orElseThrow();
            boolean passAntithetic = forms.stream().anyMatch(NesEstimator::antithetic);
            List<String> labels = new ArrayList<>();
            for (int i = 0; i < members.size(); i++) {
                members.get(i).info("shared_pass", members.size());
                members.get(i).info("pass_samples", passSamples);
                members.get(i).info("pass_antithetic", passAntithetic);
                labels.add(finish(members.get(i), o, gradients.get(i), share));
            }
            return labels;
        }
    }

    /** Records the estimate's facts, refuses a non-finite gradient, writes it; the task's label. */
    private static String finish(StageContext<Params> c, TeacherStudentObjective o, ParamSet g, double seconds) throws Exception {
        Estimator e = c.params().estimator();
        c.info("estimate_seconds", seconds);
        c.info("nominal_flops", e.nominalFlops(o));
        c.info("rows", o.batch().size());
        for (var t : g.tensors()) {
            for (float v : t.data()) {
                if (!Float.isFinite(v)) {
                    throw new ArithmeticException(e.label() + " produced a non-finite gradient (loss is " + o.loss() + ")");
                }
            }
        }
        c.write(GRADIENT, g);
        return e.label() + " dim=" + c.params().model().dim();
    }
}
