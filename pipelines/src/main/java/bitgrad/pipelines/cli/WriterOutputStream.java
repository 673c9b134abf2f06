package bitgrad.pipelines.cli;

import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/** Adapts the CLI's PrintWriter to the PrintStream that library code prints progress to. */
final class WriterOutputStream extends OutputStream {

    private final PrintWriter writer;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    WriterOutputStream(PrintWriter writer) {
        this.writer = writer;
    }

    @Override
    public void write(int b) {
        line.write(b);
        if (b == '\n') {
            flush();
        }
    }

    @Override
    public void flush() {
        writer.write(line.toString(StandardCharsets.UTF_8));
        writer.flush();
        line.reset();
    }
}
