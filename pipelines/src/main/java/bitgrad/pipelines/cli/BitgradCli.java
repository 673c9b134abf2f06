package bitgrad.pipelines.cli;

import bitgrad.pipelines.Versions;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code bitgrad} command line. Exit codes: 0 success, 1 failure while running, 2 bad usage
 * or bad input. Errors are one line on stderr, never a stack trace (set {@code BITGRAD_DEBUG=1}
 * to see one).
 */
@Command(name = "bitgrad", mixinStandardHelpOptions = true, footerHeading = "%nExamples:%n", footer = {"  bitgrad run quickstart", "  bitgrad status quickstart", "  bitgrad show latest summary.arrow --format csv"}, versionProvider = BitgradCli.VersionProvider.class,
        description = "Gradient-estimator experiments for binary neural networks: STE vs CDG vs NES vs sr-STE.",
        subcommands = {RunCommand.class, StatusCommand.class, ShowCommand.class, ReportCommand.class, RunsCommand.class,
            CompareCommand.class, ExportCommand.class, ExperimentsCommand.class,
            CacheCommand.class,
            BenchCommand.class, CommandLine.HelpCommand.class})
public final class BitgradCli implements Callable<Integer> {

    /** Exit code for bad usage or bad input. */
    public static final int USAGE = 2;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return usage(spec);
    }

    /** What a command that only groups subcommands does when run alone: usage on stderr, exit 2. */
    static int usage(CommandSpec spec) {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** Runs the CLI and exits with its code. */
    public static void main(String[] args) {
        System.setProperty(bitgrad.pipelines.run.Runner.STANDALONE, "true");
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the CLI with the given streams and returns its exit code (tests call this). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new BitgradCli());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler(BitgradCli::usageError);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> runError(ex, cmd));
        return cl.execute(args);
    }

    private static int usageError(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String message = ex.getMessage();
        if (ex instanceof UnmatchedArgumentException u && !cmd.getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            message = "unknown command '" + u.getUnmatched().get(0) + "'; known: "
                    + String.join(", ", cmd.getSubcommands().keySet());
        }
        cmd.getErr().println("bitgrad: " + oneLine(message) + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
        return USAGE;
    }

    private static int runError(Exception ex, CommandLine cmd) {
        if (System.getenv("BITGRAD_DEBUG") != null) {
            ex.printStackTrace(cmd.getErr());
        }
        if (ex instanceof IllegalArgumentException) {
            cmd.getErr().println("bitgrad: " + oneLine(ex.getMessage()));
            return USAGE;
        }
        if (ex instanceof bitgrad.pipelines.run.StageFailedException) {
            cmd.getErr().println("bitgrad: " + oneLine(ex.getMessage()));
            return 1;
        }
        if (ex instanceof java.io.IOException io) {
            // a full disk, a file size limit, a folder that is not writable: the file and the system's reason
            String file = io instanceof java.nio.file.FileSystemException f && f.getFile() != null ? f.getFile() + ": " : "";
            cmd.getErr().println("bitgrad: " + oneLine(file + bitgrad.pipelines.run.Runner.reason(io)));
            return 1;
        }
        cmd.getErr().println("bitgrad: error: " + oneLine(ex.getClass().getSimpleName() + ": " + ex.getMessage()));
        return 1;
    }

    static String oneLine(String s) {
        return s == null ? "" : s.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** Prints bitgrad's version and the library versions it runs on. */
    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {
                "bitgrad " + Versions.get("version"),
                "DJL " + Versions.get("djl") + " (PyTorch " + Versions.get("pytorch") + ", CPU, offline), Beam "
                        + Versions.get("beam") + ", Arrow " + Versions.get("arrow"),
                "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"
            };
        }
    }
}
