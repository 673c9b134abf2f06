package bitgrad.pipelines.cli;

import bitgrad.pipelines.config.ConfigLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Which experiment, with which overrides, in which runs folder: shared by {@code run} and {@code status}. */
final class ExperimentOptions {

    @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "A preset name (see 'bitgrad experiments') or a .yaml file.")
    String experiment;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override one field, e.g. --set estimators.nes.samples=[5000]."
            + " Repeatable.")
    List<String> sets = new ArrayList<>();

    @picocli.CommandLine.Mixin

    RunsDirOption runs;

    ConfigLoader.Loaded load() {
        return ConfigLoader.load(experiment, sets);
    }
}
