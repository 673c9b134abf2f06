package bitgrad.pipelines.cli;

import bitgrad.pipelines.experiments.Quickstart;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code bitgrad run EXPERIMENT}: runs a named experiment. */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run an experiment preset.")
final class RunCommand implements Callable<Integer> {

    static final List<String> EXPERIMENTS = List.of("quickstart");

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "Preset to run; known: quickstart.")
    String experiment;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Run seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() {
        if (!EXPERIMENTS.contains(experiment)) {
            throw new ParameterException(spec.commandLine(),
                    "unknown experiment '" + experiment + "'; known: " + String.join(", ", EXPERIMENTS));
        }
        PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true);
        new Quickstart(seed).run(out);
        return 0;
    }
}
