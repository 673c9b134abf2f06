package bitgrad.pipelines.cli;

import bitgrad.models.nets.MlpSpec;
import bitgrad.models.quant.Quantizer;
import bitgrad.pipelines.config.ConfigChecks;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** Options that define the toy teacher-student problem (science.md §1). */
final class ToyOptions {

    @Option(names = "--dim", defaultValue = "32", paramLabel = "N",
            description = "Input and hidden width (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--depth", defaultValue = "4", paramLabel = "L",
            description = "Hidden Linear(dim, dim) layers before Linear(dim, 1) (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = "--batch", defaultValue = "1024", paramLabel = "B",
            description = "Rows of x ~ N(0, I) per gradient batch (default: ${DEFAULT-VALUE}).")
    long batch;

    @Option(names = "--activation", defaultValue = "sign", paramLabel = "Q", converter = Check.QuantizerConverter.class,
            description = "Activation under study: identity (fp), sign (clipped STE), sign-ste, approxsign, "
                    + "swishsign[:beta], ternary[:t], 2bit, kbit:K (default: ${DEFAULT-VALUE}).")
    Quantizer activation;

    @Option(names = "--binary-weights", description = "XNOR-binarise the evaluate model's weights.")
    boolean binaryWeights;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of models, data and estimator draws (default: ${DEFAULT-VALUE}).")
    long seed;

    /** The validated model shape. */
    MlpSpec spec(CommandSpec cmd) {
        Check.within(cmd, "--dim", dim, 1, ConfigChecks.MAX_DIM);
        Check.within(cmd, "--depth", depth, 0, ConfigChecks.MAX_DEPTH);
        Check.within(cmd, "--batch", batch, 1, ConfigChecks.MAX_ROWS);
        // the benchmark holds a batch whole, as a researcher's script does
        bitgrad.pipelines.run.Budget.requireMemory("a --batch of " + batch + " rows x --dim " + dim, 2 * 4 * batch * dim
                + 16L * depth * dim * dim);
        return new MlpSpec(dim, depth, activation, binaryWeights);
    }
}
