package bitgrad.pipelines.cli;

import bitgrad.pipelines.config.ConfigLoader;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bitgrad experiments}: the presets, one line each; {@code --keys}: every setting with its default and meaning. */
@Command(name = "experiments", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad experiments",
    "  bitgrad experiments --keys                         (every setting, its default and what it does)",
    "  bitgrad run mismatch-table --set data.batch=[4096]   (a preset, scaled down)"},
        description = "List the experiment presets, or with --keys every setting with its default and what it does.")
final class ExperimentsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Option(names = "--keys", description = "Print every setting (as YAML with its default), each commented.")
    boolean keys;

    @Override
    public Integer call() {
        if (keys) {
            spec.commandLine().getOut().print(ConfigLoader.defaultsText());
            spec.commandLine().getOut().flush();
            return 0;
        }
        for (String p : ConfigLoader.PRESETS) {
            spec.commandLine().getOut().printf("%-28s %s%n", p, ConfigLoader.description(p));
        }
        return 0;
    }
}
