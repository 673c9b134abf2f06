package bitgrad.transforms;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Task progress on the terminal: {@code done/total} per stage with an ETA. The driver announces a
 * stage's task count; DoFns report each finished task. In-process runners (direct, embedded
 * Flink) print here; on a remote cluster the lines go to the TaskManager logs.
 */
public final class Progress {

    /**
     * @param predicted each task's predicted seconds by key (empty when unknown)
     * @param predictedTotal their sum
     * @param donePredicted predicted seconds of the finished tasks
     */
    private record Count(int total, long startNanos, AtomicInteger done, Map<String, Double> predicted, double predictedTotal,
            java.util.concurrent.atomic.DoubleAdder donePredicted) {
    }

    private static final Map<String, Count> STAGES = new ConcurrentHashMap<>();
    private static final PrintStream out = System.err;

    private Progress() {
    }

    /** Announces that {@code total} tasks of {@code stage} are about to run. */
    public static void start(String stage, int total) {
        start(stage, total, Map.of());
    }

    /**
     * Announces {@code total} tasks with each one's predicted seconds by key: the ETA is then the
     * predicted seconds of the tasks not yet done, scaled by how the elapsed time compares with the
     * prediction for those done (the prediction corrected as tasks finish).
     */
    public static void start(String stage, int total, Map<String, Double> predicted) {
        STAGES.put(stage, new Count(total, System.nanoTime(), new AtomicInteger(), Map.copyOf(predicted),
                predicted.values().stream().mapToDouble(Double::doubleValue).sum(), new java.util.concurrent.atomic.DoubleAdder()));
    }

    /** A progress note from inside one long task of {@code stage}. */
    public static void note(String stage, String what) {
        out.printf(Locale.ROOT, "  %s: %s%n", stage, what);
    }

    /** Reports one finished task of {@code stage}. */
    public static void done(String stage, String what, double seconds) {
        done(stage, null, what, seconds);
    }

    /** Reports the finished task {@code key} of {@code stage}. */
    public static void done(String stage, String key, String what, double seconds) {
        Count s = STAGES.get(stage);
        if (s == null) {
            out.printf(Locale.ROOT, "  %s: %s %.2fs%n", stage, what, seconds);
            return;
        }
        int d = s.done().incrementAndGet();
        double elapsed = (System.nanoTime() - s.startNanos()) / 1e9;
        Double mine = key == null ? null : s.predicted().get(key);
        double eta;
        if (mine != null && s.predicted().size() == s.total()) {
            s.donePredicted().add(mine);
            double done = s.donePredicted().sum();
            eta = done <= 0 ? 0 : elapsed / done * Math.max(0, s.predictedTotal() - done);
        } else {
            eta = d == 0 ? 0 : elapsed / d * (s.total() - d);
        }
        out.printf(Locale.ROOT, "  %s [%d/%d] %s %.2fs (eta %.0fs)%n", stage, d, s.total(), what, seconds, eta);
    }
}
