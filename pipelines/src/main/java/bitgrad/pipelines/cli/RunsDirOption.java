package bitgrad.pipelines.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The {@code --runs-dir} option every command that reads or writes runs shares. */
final class RunsDirOption {

    @Option(names = "--runs-dir", paramLabel = "DIR", defaultValue = "runs",
            description = "Output and cache folder (default: ${DEFAULT-VALUE}).")
    Path runsDir;
}
