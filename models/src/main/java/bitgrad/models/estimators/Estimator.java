package bitgrad.models.estimators;

import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;

/** A gradient estimator: given an objective at its point, one gradient per parameter tensor. */
public interface Estimator {

    /** A short label with the hyperparameters, e.g. {@code cdg(eps=0.1)}. */
    String label();

    /**
     * Estimates the gradient of {@code objective} at {@link Objective#point()}.
     *
     * @param seed seed of every random draw this estimate makes (ignored by deterministic ones)
     * @return raw (unnormalised) estimate, same names and shapes as the point
     */
    ParamSet estimate(Objective objective, long seed);

    /**
     * Nominal cost of one estimate in FLOPs, counting every forward pass it evaluates in full
     * (a backward pass counts as two forwards).
     */
    double nominalFlops(Objective objective);
}
