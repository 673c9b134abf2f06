package bitgrad.pipelines.cli;

import bitgrad.models.bench.EstimatorBench;
import bitgrad.models.bench.MatmulRate;
import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.nets.StochasticRounding;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bitgrad bench}: timed estimator runs reported next to the machine's matmul rate. */
@Command(name = "bench", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad bench matmul", "  bitgrad bench cdg --dim 64 --batch 16000 --activation sign --eps 0.01 --lrs 500 --batches 1", "  bitgrad bench nes --dim 64 --batch 16000 --samples 500"},
        description = "Benchmark an estimator plus lr sweep per fresh batch, as a researcher's script would run it.",
        subcommands = {BenchCommand.Cdg.class, BenchCommand.Nes.class, BenchCommand.Ste.class, BenchCommand.SrSte.class,
            BenchCommand.ResNetCdg.class, BenchCommand.Matmul.class})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return BitgradCli.usage(spec);
    }

    /** Options every estimator benchmark shares. */
    abstract static class Base implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        ToyOptions toy;

        @Option(names = "--lrs", defaultValue = "500", paramLabel = "N",
                description = "Learning rates per sweep: 1e-4, 3e-4, ... step 2e-4 (default: ${DEFAULT-VALUE}).")
        int lrs;

        @Option(names = "--batches", defaultValue = "10", paramLabel = "N",
                description = "Fresh batches, one gradient each (default: ${DEFAULT-VALUE}).")
        int batches;

        @Option(names = "--sweep", defaultValue = "line", paramLabel = "M",
                description = "How the lr sweep evaluates its steps: line (a quantized activation with full-precision "
                        + "weights walks each row's level changes) or copies (a forward pass per rate, the reference) "
                        + "(default: ${DEFAULT-VALUE}).")
        String sweep;

        abstract Estimator estimator();

        @Override
        public Integer call() {
            Check.within(spec, "--lrs", lrs, 1, bitgrad.pipelines.config.ConfigChecks.MAX_LRS);
            Check.within(spec, "--batches", batches, 1, bitgrad.pipelines.config.ConfigChecks.MAX_REPEATS);
            LrSweep.Method method;
            try {
                method = LrSweep.Method.parse(sweep);
            } catch (IllegalArgumentException ex) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--sweep: " + ex.getMessage());
            }
            Estimator e = estimator();
            EstimatorBench bench = new EstimatorBench(toy.spec(spec), toy.batch, batches, lrs, toy.seed, method);
            PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
            bench.run(e, name(), out);
            return 0;
        }

        /** What the summary line starts with. */
        String name() {
            return spec.name();
        }
    }

    @Command(name = "cdg", mixinStandardHelpOptions = true, description = "Coordinate finite differences (central).")
    static final class Cdg extends Base {
        @Option(names = "--eps", defaultValue = "0.1", paramLabel = "E", description = "Step (default: ${DEFAULT-VALUE}).")
        double eps;

        @Option(names = "--method", defaultValue = "delta", paramLabel = "M",
                description = "delta (propagate only what changes) or dense (every perturbed copy in full) (default: ${DEFAULT-VALUE}).")
        String method;

        @Override
        Estimator estimator() {
            Check.positive(spec, "--eps", eps);
            try {
                return new CdgEstimator(eps, CdgEstimator.Method.parse(method));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--method: " + e.getMessage());
            }
        }

        @Override
        String name() {
            return "cdg method=" + method;
        }
    }

    @Command(name = "nes", mixinStandardHelpOptions = true, description = "Gaussian-smoothing evolution strategy.")
    static final class Nes extends Base {
        @Option(names = "--sigma", defaultValue = "0.01", paramLabel = "S", description = "Radius (default: ${DEFAULT-VALUE}).")
        double sigma;

        @Option(names = "--samples", defaultValue = "5000", paramLabel = "N",
                description = "Directions per gradient (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--one-sided", description = "One-sided form (L(w + s u) - b) u instead of antithetic.")
        boolean oneSided;

        @Option(names = "--no-baseline", description = "One-sided form without the baseline b = L(w).")
        boolean noBaseline;

        @Option(names = "--rank-shaping", description = "Replace losses by centred ranks.")
        boolean rankShaping;

        @Option(names = "--modes", split = ",", paramLabel = "M", description = "Time these forms (antithetic, one-sided, "
                + "no-baseline) in one shared pass against the antithetic form alone, instead of the sweep benchmark.")
        java.util.List<String> modes;

        @Override
        public Integer call() {
            if (modes == null) {
                return super.call();
            }
            Check.within(spec, "--batches", batches, 1, bitgrad.pipelines.config.ConfigChecks.MAX_REPEATS);
            estimator(); // checks --sigma and --samples
            if (rankShaping) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--modes: rank shaping cannot share a pass");
            }
            java.util.List<NesEstimator> forms = new java.util.ArrayList<>();
            for (String m : new java.util.LinkedHashSet<>(modes)) {
                try {
                    forms.add(NesEstimator.of(sigma, samples, NesEstimator.Form.parse(m), false));
                } catch (IllegalArgumentException ex) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--modes: " + ex.getMessage());
                }
            }
            EstimatorBench bench = new EstimatorBench(toy.spec(spec), toy.batch, batches, lrs, toy.seed, LrSweep.Method.LINE);
            PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
            bench.runModes(new NesEstimator(sigma, samples, true, true, false), forms, "nes", out);
            return 0;
        }

        @Override
        Estimator estimator() {
            Check.positive(spec, "--sigma", sigma);
            Check.within(spec, "--samples", samples, 1, bitgrad.pipelines.config.ConfigChecks.MAX_SAMPLES);
            return new NesEstimator(sigma, samples, !oneSided && !noBaseline, !noBaseline, rankShaping);
        }
    }

    @Command(name = "ste", mixinStandardHelpOptions = true, description = "Straight-through estimator (autograd).")
    static final class Ste extends Base {
        @Override
        Estimator estimator() {
            return new SteEstimator();
        }
    }

    @Command(name = "sr-ste", mixinStandardHelpOptions = true, description = "Stochastic-rounding STE.")
    static final class SrSte extends Base {
        @Option(names = "--tau", defaultValue = "1.0", paramLabel = "T", description = "Temperature (default: ${DEFAULT-VALUE}).")
        double tau;

        @Option(names = "--k", defaultValue = "1", paramLabel = "K", description = "Samples averaged (default: ${DEFAULT-VALUE}).")
        int k;

        @Option(names = "--backward", defaultValue = "QUANTIZER", paramLabel = "R",
                description = "Gradient route: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        StochasticRounding.Backward backward;

        @Override
        Estimator estimator() {
            Check.positive(spec, "--tau", tau);
            Check.within(spec, "--k", k, 1, bitgrad.pipelines.config.ConfigChecks.MAX_DRAWS);
            return new SrSteEstimator(tau, k, backward);
        }
    }

    @Command(name = "resnet-cdg", mixinStandardHelpOptions = true,
            description = "Batched CDG over one binary conv of the thin XNOR-ResNet-18: coordinates per second.")
    static final class ResNetCdg implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--channels", defaultValue = "8", paramLabel = "C", description = "First-stage width (default: ${DEFAULT-VALUE}).")
        int channels;

        @Option(names = "--layer", defaultValue = "8", paramLabel = "L", description = "Binary conv 1..16 (default: ${DEFAULT-VALUE}).")
        int layer;

        @Option(names = "--batch", defaultValue = "128", paramLabel = "B", description = "Images (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--coords", defaultValue = "256", paramLabel = "N", description = "Coordinates timed (default: ${DEFAULT-VALUE}).")
        int coords;

        @Option(names = "--eps", defaultValue = "0.01", paramLabel = "E", description = "Step (default: ${DEFAULT-VALUE}).")
        double eps;

        @Option(names = "--binary-weights", description = "XNOR-binarised conv weights.")
        boolean binaryWeights;

        @Option(names = "--activation", defaultValue = "sign", paramLabel = "Q", description = "Activation quantizer (default: ${DEFAULT-VALUE}).")
        String activation;

        @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() {
            Check.within(spec, "--channels", channels, 1, 256);
            Check.within(spec, "--batch", batch, 1, 4096);
            Check.within(spec, "--coords", coords, 1, bitgrad.pipelines.config.ConfigChecks.MAX_SAMPLES);
            if (layer < 1 || layer > bitgrad.models.nets.ResNetSpec.BINARY_CONVS) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--layer must be 1..16, got " + layer);
            }
            if (!(eps > 0) || Double.isInfinite(eps)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--eps must be > 0, got " + eps);
            }
            bitgrad.models.quant.Quantizer q;
            try {
                q = bitgrad.models.quant.Quantizer.parse(activation);
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--activation: " + e.getMessage());
            }
            bitgrad.models.nets.ResNet net = new bitgrad.models.nets.ResNet(new bitgrad.models.nets.ResNetSpec(channels, q, binaryWeights));
            bitgrad.schemas.ParamSet w = net.init(seed);
            bitgrad.models.images.ImageSet images = bitgrad.models.images.ImageSet.synthetic(seed, batch);
            int j = layer - 1;
            int total = w.get(net.indexOf(bitgrad.models.nets.ResNet.convName(j))).size();
            int[] pick = bitgrad.models.estimators.ConvCdg.sampleCoordinates(total, coords, seed);
            bitgrad.models.estimators.ConvCdg cdg = new bitgrad.models.estimators.ConvCdg(eps);
            int warm = Math.min(pick.length, bitgrad.models.estimators.ConvCdg.copiesPerChunk(net.spec(), j, batch) / 2);
            cdg.estimate(net, w, images, j, java.util.Arrays.copyOf(pick, warm), d -> { });
            double before = MatmulRate.gflops();
            long t0 = System.nanoTime();
            cdg.estimate(net, w, images, j, pick, d -> { });
            double seconds = (System.nanoTime() - t0) / 1e9;
            double matmul = Math.max(before, MatmulRate.gflops());
            double gflops = 2.0 * pick.length * batch * net.suffixFlops(j) / seconds / 1e9;
            spec.commandLine().getOut().printf(Locale.ROOT, "resnet-cdg channels=%d layer=%d weight=%s coords=%d/%d batch=%d copies_per_chunk=%d "
                    + "seconds=%.3f coords_per_second=%.2f gflops=%.2f matmul_gflops=%.2f ratio=%.3f%n", channels, layer,
                    java.util.Arrays.toString(net.spec().convShape(j)), pick.length, total, batch,
                    bitgrad.models.estimators.ConvCdg.copiesPerChunk(net.spec(), j, batch), seconds, pick.length / seconds, gflops,
                    matmul, gflops / matmul);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "matmul", mixinStandardHelpOptions = true, description = "This machine's float32 matmul rate.")
    static final class Matmul implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--n", defaultValue = "1024", paramLabel = "N", description = "Matrix size (default: ${DEFAULT-VALUE}).")
        int n;

        @Override
        public Integer call() {
            Check.within(spec, "--n", n, 1, 16_384);
            spec.commandLine().getOut().printf(Locale.ROOT, "matmul n=%d gflops=%.2f%n", n, MatmulRate.gflops(n, 9));
            return 0;
        }
    }
}
