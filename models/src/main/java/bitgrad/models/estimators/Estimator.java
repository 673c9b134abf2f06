package bitgrad.models.estimators;

import bitgrad.models.objectives.Objective;
import bitgrad.schemas.ParamSet;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A gradient estimator, which is also its own typed specification: a record whose components are
 * its hyperparameters. Its identity is structured ({@link #toJson}, decoded by
 * {@link Estimators#decode}); {@link #label} is rendered for people and never parsed.
 */
public interface Estimator {

    /** The family name, e.g. {@code cdg}: the {@code type} field of {@link #toJson}. */
    String family();

    /** Every hyperparameter as JSON, with {@code type} = {@link #family}: the one codec of this estimator. */
    ObjectNode toJson();

    /** {@link #toJson} as canonical text (sorted keys): what tables store in their spec columns. */
    default String specJson() {
        return Estimators.canonical(toJson());
    }

    /**
     * The hyperparameter that only counts draws (NES samples, sr-STE k), or null. Seeds derive from
     * the identity without it, so a larger count reuses the smaller one's draws (nested samples).
     */
    default String countField() {
        return null;
    }

    /** Canonical text of {@link #toJson} without {@link #countField}: what seeds derive from. */
    default String seedIdentity() {
        ObjectNode n = toJson();
        if (countField() != null) {
            n.remove(countField());
        }
        return Estimators.canonical(n);
    }

    /** A short label with the hyperparameters, e.g. {@code cdg(eps=0.1)}: for people only. */
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
