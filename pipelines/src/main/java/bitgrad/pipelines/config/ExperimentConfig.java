package bitgrad.pipelines.config;

import java.util.List;

/**
 * An experiment: which grid to run and how (the YAML files under {@code experiments/}; every
 * field and its default is in {@code defaults.yaml}). Field names map to snake_case keys.
 *
 * @param name preset name
 * @param description one line for {@code bitgrad experiments}
 * @param seed run seed: every draw derives from it
 * @param dims model widths to run
 * @param numInit model initialisations per dim
 * @param model evaluate-model shape
 * @param data gradient batches
 * @param pretrain optional STE pretraining
 * @param estimators the estimator grid
 * @param sweep lr sweep
 * @param rosenbrock Rosenbrock descent check
 */
public record ExperimentConfig(String name, String description, long seed, List<Integer> dims, int numInit, Model model,
        Data data, Pretrain pretrain, Estimators estimators, Sweep sweep, Rosenbrock rosenbrock) {

    /**
     * @param depth hidden layers
     * @param activation quantizer name (see {@code --help} of bench)
     * @param binaryWeights XNOR weights
     */
    public record Model(int depth, String activation, boolean binaryWeights) {
    }

    /**
     * @param batch rows per gradient batch
     * @param numBatch batches per (dim, init)
     * @param sliceRows rows per streamed slice
     */
    public record Data(long batch, int numBatch, int sliceRows) {
    }

    /**
     * @param enabled run pretraining (estimates then use the trained model)
     * @param optimizer sgd or adam
     * @param lr learning rate
     * @param steps updates
     * @param batch rows per update
     */
    public record Pretrain(boolean enabled, String optimizer, double lr, int steps, int batch) {
    }

    /**
     * @param ste include STE
     * @param cdg CDG grid
     * @param nes NES grid
     * @param srSte sr-STE grid
     */
    public record Estimators(boolean ste, Cdg cdg, Nes nes, SrSte srSte) {
    }

    /** @param eps CDG steps */
    public record Cdg(List<Double> eps) {
    }

    /**
     * @param sigma radii
     * @param samples sample counts (crossed with sigma)
     * @param antithetic antithetic form
     * @param baseline subtract L(w) (one-sided form)
     * @param rankShaping centred ranks
     */
    public record Nes(List<Double> sigma, List<Integer> samples, boolean antithetic, boolean baseline, boolean rankShaping) {
    }

    /**
     * @param tau temperatures
     * @param k sample counts (crossed with tau)
     * @param backward relaxed or quantizer
     */
    public record SrSte(List<Double> tau, List<Integer> k, String backward) {
    }

    /**
     * @param lrStart first lr
     * @param lrStep lr increment
     * @param lrCount number of lrs
     * @param normalize per_tensor or global
     */
    public record Sweep(double lrStart, double lrStep, int lrCount, String normalize) {
    }

    /**
     * @param enabled run the Rosenbrock check
     * @param n dimension (even)
     * @param starts random integer starts
     * @param cdgEps CDG steps to descend with
     * @param nesSigma NES radii to descend with
     * @param nesSamples NES samples per step
     * @param optimizer adam or normalized
     * @param steps descent steps
     * @param lr initial lr
     * @param decay step-decay factor
     * @param decayEvery steps between decays
     */
    public record Rosenbrock(boolean enabled, int n, int starts, List<Double> cdgEps, List<Double> nesSigma, int nesSamples,
            String optimizer, int steps, double lr, double decay, int decayEvery) {
    }
}
