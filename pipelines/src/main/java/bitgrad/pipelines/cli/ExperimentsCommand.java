package bitgrad.pipelines.cli;

import bitgrad.pipelines.config.ConfigLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bitgrad experiments}: the presets, one line each. */
@Command(name = "experiments", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad experiments", "  bitgrad run mismatch-table --set data.batch=[4096]   (a preset, scaled down)"}, description = "List the experiment presets.")
final class ExperimentsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        for (String p : ConfigLoader.PRESETS) {
            spec.commandLine().getOut().printf("%-28s %s%n", p, ConfigLoader.description(p));
        }
        return 0;
    }
}
