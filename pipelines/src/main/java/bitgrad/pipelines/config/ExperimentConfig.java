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
 * @param probes the discussion probes
 * @param rosenbrock Rosenbrock descent check
 * @param resnet thin XNOR-ResNet-18 experiment
 * @param threads cores a run may use (0: all); not part of any result, so not of any cache key
 * @param extensions plugged-in stages to run, by their planner's name, each with its own settings (free-form)
 */
public record ExperimentConfig(String name, String description, long seed, List<Integer> dims, int numInit, Model model,
        Data data, Pretrain pretrain, Estimators estimators, Sweep sweep, Probes probes, Questions questions, Rosenbrock rosenbrock,
        Resnet resnet, int threads, java.util.Map<String, com.fasterxml.jackson.databind.JsonNode> extensions) {

    /**
     * @param enabled run the ResNet stages
     * @param channels first-stage widths, one grid axis
     * @param binaryWeights weight cases (false: FP weights, true: XNOR weights), one grid axis
     * @param activation quantizer at every binary conv's input (its STE backward included)
     * @param layers binary convs (1..16) whose weight gradients are compared
     * @param images training images (synthetic, or the first N of CIFAR-10 when data.cifar10 is set)
     * @param optimizer sgd or adam
     * @param lr learning rate
     * @param steps pretraining updates
     * @param batch images per update
     * @param gradBatch images in the batch the gradients are taken on
     */
    public record Resnet(boolean enabled, List<Integer> channels, List<Boolean> binaryWeights, String activation, List<Integer> layers,
            int images, String optimizer, double lr, int steps, int batch, int gradBatch) {
    }

    /**
     * @param depth hidden layers
     * @param activation quantizer names (see {@code --help} of bench), one grid axis
     * @param binaryWeights XNOR weights
     * @param teacher fp-linear (the group's FP linear teacher, default init), same (the student's
     *        activation, FP weights) or variance-preserving (FP linear, weights of variance 1/fan_in)
     * @param normalize put each hidden layer's pre-activation on the quantizer's scale at init (unit std on a batch,
     *        frozen: thresholds scaled by the pre-activation's std)
     */
    public record Model(int depth, List<String> activation, boolean binaryWeights, String teacher, boolean normalize) {
    }

    /**
     * @param batch rows per gradient batch, one grid axis
     * @param numBatch batches per (dim, init, batch size)
     * @param sliceRows rows per streamed slice
     * @param cifar10 folder of the CIFAR-10 binary files for the ResNet experiment ("" : synthetic images)
     */
    public record Data(List<Long> batch, int numBatch, int sliceRows, String cifar10) {
    }

    /**
     * @param enabled {@code true}: estimates use the STE-pretrained model; {@code [false, true]}: both, a grid axis
     * @param optimizer sgd or adam
     * @param lr learning rate
     * @param steps updates
     * @param batch rows per update
     */
    public record Pretrain(List<Boolean> enabled, String optimizer, double lr, int steps, int batch) {
    }

    /**
     * @param ste include STE
     * @param cdg CDG grid
     * @param nes NES grid
     * @param srSte sr-STE grid
     * @param steRandom stochastic STE backprop grid
     * @param extra further estimators, each given by its spec ({@code {type: ..., ...}})
     * @param random add the random-direction control (a random unit direction per layer)
     */
    public record Estimators(boolean ste, boolean random, Cdg cdg, Nes nes, SrSte srSte, SteRandom steRandom,
            List<com.fasterxml.jackson.databind.JsonNode> extra) {
    }

    /**
     * @param keep probabilities of keeping a unit's pseudo-derivative
     * @param k sample counts (crossed with keep)
     */
    public record SteRandom(List<Double> keep, List<Integer> k) {
    }

    /**
     * @param enabled run the probe stage for every (model, batch)
     * @param nesDirections random directions (each also negated) for the NES max point
     * @param radii perturbation radii of the search around STE
     * @param candidates candidates per radius
     * @param srSamples stochastic forward passes averaged to measure an sr-STE update
     * @param lrPoints lrs at which the sr-STE update is measured
     */
    /**
     * The measurements that answer the notes' open questions (science.md §7), each off by default.
     *
     * @param lastLayer per estimate, the best decrease of its step restricted to each layer, to the
     *        hidden layers and whole (stage {@code layer-sweep})
     * @param smoothing per CDG and NES estimate, the true and the smoothed loss change along its
     *        step, per layer (stage {@code smoothing})
     * @param smoothingSamples draws of the smoothed loss's Monte Carlo estimate
     * @param nesSnr per model (its first gradient batch) and NES sigma, NES's signal against its
     *        noise over independent seeds at nested sample counts (stage {@code nes-snr})
     * @param nesSnrSamples the nested sample counts, increasing
     * @param nesSnrSeeds independent estimates per count
     * @param nesDims further dims at which question nes-after-pretraining is measured (STE, CDG
     *        and NES estimates with their sweeps, NES's smoothing on its whole step and nes-snr)
     */
    public record Questions(boolean lastLayer, boolean smoothing, int smoothingSamples, boolean nesSnr, List<Integer> nesSnrSamples,
            int nesSnrSeeds, List<Integer> nesDims) {
    }

    public record Probes(boolean enabled, int nesDirections, List<Double> radii, int candidates, int srSamples, int lrPoints) {
    }

    /**
     * @param eps CDG steps
     * @param coords ResNet only: coordinates per layer, sampled with a seed (0: all)
     * @param method delta (propagate only what changes; the toy MLP) or dense (every perturbed copy in full)
     */
    public record Cdg(List<Double> eps, int coords, String method) {
    }

    /**
     * @param sigma radii
     * @param samples sample counts (crossed with sigma)
     * @param modes forms to run: antithetic, one-sided (baseline L(w)), no-baseline
     * @param rankShaping centred ranks
     */
    public record Nes(List<Double> sigma, List<Integer> samples, List<String> modes, boolean rankShaping) {
    }

    /**
     * @param tau temperatures
     * @param k sample counts (crossed with tau)
     * @param backward gradient routes, each quantizer (STE-like, the default) or relaxed
     * @param forward forward passes, each stochastic (sr-STE, the default) or deterministic (the
     *        quantizer's own forward with the chosen backward: the forward x backward factorial)
     */
    public record SrSte(List<Double> tau, List<Integer> k, List<String> backward, List<String> forward) {
    }

    /**
     * @param lrStart first lr
     * @param lrStep lr increment
     * @param lrCount number of lrs
     * @param normalize per_tensor or global
     * @param method line (the default: a quantized activation with full-precision weights is swept
     *        by walking each row's level changes) or copies (a forward pass per rate, the reference)
     */
    public record Sweep(double lrStart, double lrStep, int lrCount, String normalize, String method) {

        /**
         * The method as the stages take it: null for the default line sweep (left out of every cache
         * key, as before the option existed), else {@code copies}.
         */
        public String stageMethod() {
            return method == null || "line".equals(method) ? null : method;
        }
    }

    /**
     * @param enabled run the Rosenbrock check
     * @param n dimension (even)
     * @param starts random integer starts
     * @param cdgEps CDG steps to descend with (their initial eps)
     * @param nesSigma NES radii to descend with (their initial sigma)
     * @param nesSamples NES samples per step
     * @param nesSteps descent steps with NES (each costs nes_samples / n times a CDG step)
     * @param optimizers adam, sgd and/or normalized
     * @param steps descent steps
     * @param lr initial lr of adam and normalized
     * @param sgdLr initial lr of plain gradient descent
     * @param decay step-decay factor of the lr, eps and sigma
     * @param decayEvery steps between decays
     * @param perturbationFloor smallest eps or sigma the decay reaches
     * @param gradcheck the gradient check at fixed points
     */
    public record Rosenbrock(boolean enabled, int n, int starts, List<Double> cdgEps, List<Double> nesSigma, int nesSamples,
            int nesSteps, List<String> optimizers, int steps, double lr, double sgdLr, double decay, int decayEvery,
            double perturbationFloor, GradCheck gradcheck) {
    }

    /**
     * @param enabled run the gradient check
     * @param eps CDG eps values
     * @param sigma NES radii
     * @param samples NES sample counts (increasing; nested draws)
     * @param pathSteps steps of the exact-gradient descent after which a point is checked
     */
    public record GradCheck(boolean enabled, List<Double> eps, List<Double> sigma, List<Integer> samples, List<Integer> pathSteps) {
    }
}
