package bitgrad.pipelines.report;

import java.io.IOException;

/**
 * One view of a run's results (a figure, a table, headline lines): one small class each, listed in {@link PlotStage}, or
 * plugged in from another module through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/bitgrad.pipelines.report.Part}), after the built-in ones.
 */
public interface Part {

    /** Reads what it needs from {@code c} and files its figures, tables and lines there; does nothing when the run has no such data. */
    void render(ReportContext c) throws IOException;

    /**
     * The version of what this part draws and says: bump it when the same inputs would give other
     * figures, tables or sentences (it is part of the plot stage's cache key; the guard test
     * {@code PlotKeyGuardTest} fails when the output changes and this stays).
     */
    default int version() {
        return 1;
    }

    /** The part's name in keys and records: its class name in kebab case ({@code BestVsDim} is {@code best-vs-dim}). */
    default String name() {
        return getClass().getSimpleName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }
}
