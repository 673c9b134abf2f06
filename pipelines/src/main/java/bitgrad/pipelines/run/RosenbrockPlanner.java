package bitgrad.pipelines.run;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.pipelines.config.ExperimentConfig;
import bitgrad.transforms.GradCheckStage;
import bitgrad.transforms.RosenbrockStage;
import bitgrad.transforms.Stages;
import bitgrad.transforms.TaskRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The tasks of section {@code rosenbrock}: descents per (start, estimator, optimizer), and the gradient check. */
final class RosenbrockPlanner {

    private RosenbrockPlanner() {
    }

    /** Plans them when the section is enabled; returns the descents (the summary reads them). */
    static List<TaskRef> plan(StagePlanner.Context c) {
        List<TaskRef> ros = new ArrayList<>();
        ExperimentConfig.Rosenbrock r = c.config().rosenbrock();
        if (!r.enabled()) {
            return ros;
        }
        List<Estimator> ests = new ArrayList<>();
        // the default method: on a function that is not the toy MLP it evaluates every copy (there is nothing to propagate)
        r.cdgEps().forEach(eps -> ests.add(new CdgEstimator(eps)));
        r.nesSigma().forEach(s -> ests.add(NesEstimator.antithetic(s, r.nesSamples())));
        for (int s = 0; s < r.starts(); s++) {
            for (Estimator est : ests) {
                for (String opt : r.optimizers()) {
                    int steps = est instanceof NesEstimator ? r.nesSteps() : r.steps();
                    double lr = opt.equals("sgd") ? r.sgdLr() : r.lr();
                    ros.add(c.add(Stages.ROSENBROCK, new RosenbrockStage.Params(r.n(), s, c.seed("rosenbrock-start", s), est, opt, steps, lr,
                            r.decay(), r.decayEvery(), r.perturbationFloor(), c.seed("rosenbrock", s, est.seedIdentity())), Map.of()));
                }
            }
        }
        ExperimentConfig.GradCheck g = r.gradcheck();
        if (g.enabled()) {
            String opt = r.optimizers().get(0);
            c.add(Stages.GRADCHECK, new GradCheckStage.Params(r.n(), c.seed("rosenbrock-start", 0),
                    new GradCheckStage.PathDescent(opt, opt.equals("sgd") ? r.sgdLr() : r.lr(), r.decay(), r.decayEvery()),
                    g.pathSteps(), g.eps(), g.sigma(), g.samples(), c.seed("gradcheck")), Map.of());
        }
        return ros;
    }
}
