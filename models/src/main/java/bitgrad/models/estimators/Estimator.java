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
     * The hyperparameters that do not change what is drawn, only how many draws are used or how
     * they are used (NES samples; sr-STE k, tau and backward). Seeds derive from the identity
     * without them, so settings that differ only there share their draws: N = 500 uses the first 500
     * of N = 5000's directions, and sr-STE variants see the same uniforms (common random numbers).
     */
    default java.util.List<String> sharedDraws() {
        return java.util.List.of();
    }

    /** Canonical text of {@link #toJson} without {@link #sharedDraws}: what seeds derive from. */
    default String seedIdentity() {
        ObjectNode n = toJson();
        sharedDraws().forEach(n::remove);
        return Estimators.canonical(n);
    }

    /**
     * The size of the weight perturbation this estimator evaluates, in the L2 norm over all
     * {@code numel} weights: eps for CDG (one coordinate moved), about {@code sigma sqrt(numel)}
     * for NES (every weight moved); null for the estimators that perturb no weight.
     */
    default Double perturbationNorm(long numel) {
        return null;
    }

    /**
     * The common hyperparameters as typed table columns, in the order {@code eps, sigma, samples,
     * tau, k} (null where the family has no such parameter): what a pandas user filters on
     * instead of parsing labels. NES samples and sr-STE / ste-random k are both counts of draws.
     */
    default Object[] typedColumns() {
        ObjectNode j = toJson();
        return new Object[] {
            j.has("eps") ? (Object) j.get("eps").asDouble() : null,
            j.has("sigma") ? (Object) j.get("sigma").asDouble() : null,
            j.has("samples") ? (Object) j.get("samples").asLong() : null,
            j.has("tau") ? (Object) j.get("tau").asDouble() : null,
            j.has("k") ? (Object) j.get("k").asLong() : null};
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
