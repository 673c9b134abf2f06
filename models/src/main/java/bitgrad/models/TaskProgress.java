package bitgrad.models;

import java.util.Locale;

/**
 * Progress inside one long computation (an NES estimate of 50 000 samples, a CDG over many
 * slices): samples or coordinates done, rate and ETA, on stderr, at most once every
 * {@link #EVERY_NANOS} and never in the first interval, so short work prints nothing.
 */
public final class TaskProgress {

    /** Minimum time between two lines. */
    static final long EVERY_NANOS = 10_000_000_000L;

    private final String what;
    private final String unit;
    private final long total;
    private final long every;
    private final long start = System.nanoTime();
    private long last = start;

    /**
     * @param what what is being computed, e.g. an estimator's label
     * @param unit what is counted (samples, coordinates, slices, steps)
     * @param total how many there are
     */
    public TaskProgress(String what, String unit, long total) {
        this(what, unit, total, EVERY_NANOS);
    }

    TaskProgress(String what, String unit, long total, long everyNanos) {
        this.what = what;
        this.unit = unit;
        this.total = total;
        this.every = everyNanos;
    }

    /** Records that {@code done} of the total are finished; prints a line if the interval has passed. */
    public void done(long done) {
        long now = System.nanoTime();
        if (now - last < every || done <= 0) {
            return;
        }
        last = now;
        double seconds = (now - start) / 1e9;
        double rate = done / seconds;
        System.err.printf(Locale.ROOT, "    %s: %d/%d %s, %.4g %s/s, eta %.0fs%n", what, done, total, unit, rate, unit,
                (total - done) / rate);
    }
}
