package bitgrad.pipelines.report;

import java.io.IOException;

/** One view of a run's results (a figure, a table, headline lines): one small class each, listed in {@link PlotStage}. */
interface Part {

    /** Reads what it needs from {@code c} and files its figures, tables and lines there; does nothing when the run has no such data. */
    void render(ReportContext c) throws IOException;
}
