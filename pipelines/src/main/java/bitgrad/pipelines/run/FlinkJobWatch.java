package bitgrad.pipelines.run;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches one stage's job on a remote Flink cluster from the client that submitted it.
 * <ul>
 *   <li>A TaskManager lost mid-job leaves Flink waiting for slots that will not come (five minutes,
 *       then a timeout). When the cluster holds fewer slots than the job's parallelism for
 *       {@link #GRACE_MILLIS}, the watch cancels the job and says so: the stage fails at once, the
 *       tasks already committed stay cached, and a rerun resumes.</li>
 *   <li>A client that exits (Ctrl-C, SIGTERM) cancels its job on the way out; one that is SIGKILLed
 *       cannot, so every run first cancels the jobs whose submitting process is dead
 *       ({@link #cancelOrphans}). Job names carry the host and process id for that:
 *       {@code bitgrad-<stage>-<host>-p<pid>-<token>}.</li>
 * </ul>
 */
final class FlinkJobWatch implements AutoCloseable {

    static final long GRACE_MILLIS = 5_000;

    /** What to do when a cluster lost its TaskManagers. */
    static final String RESTART = "restart the cluster (scripts/flink-cluster stop, then start) and rerun";
    /** What a job that lost task slots says: a smaller parallelism where slots are left, a restart where none are. */
    static String lostSlots(String master, int slots, int parallelism) {
        return "the Flink cluster at " + master + " lost a TaskManager: " + slots + " task slot" + (slots == 1 ? "" : "s")
                + " left, the job needs " + parallelism + "; job cancelled, finished tasks are cached ("
                + (slots == 0 ? RESTART : "rerun with --parallelism " + slots + ", or " + RESTART) + ")";
    }

    private static final Pattern NAME = Pattern.compile("bitgrad-[a-z0-9-]+?-([a-z0-9.]+)-p(\\d+)-[0-9a-f]{8}");

    private final FlinkRest rest;
    private final String master;
    private final String jobName;
    private final int parallelism;
    private final Thread poller;
    private final Thread hook;
    private volatile String jobId;
    private volatile String failure;
    private volatile boolean stopped;

    private FlinkJobWatch(FlinkRest rest, String master, String jobName, int parallelism) {
        this.rest = rest;
        this.master = master;
        this.jobName = jobName;
        this.parallelism = parallelism;
        this.poller = new Thread(this::poll, "bitgrad-flink-watch");
        poller.setDaemon(true);
        this.hook = new Thread(this::cancelOwnJob, "bitgrad-flink-cancel");
    }

    /** A unique job name for {@code stage}, submitted by this process. */
    static String jobName(String stage) {
        return "bitgrad-" + stage + "-" + host() + "-p" + ProcessHandle.current().pid() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Starts watching the job named {@code jobName} (submitted next by the caller). */
    static FlinkJobWatch start(FlinkRest rest, String master, String jobName, int parallelism) {
        FlinkJobWatch w = new FlinkJobWatch(rest, master, jobName, parallelism);
        Runtime.getRuntime().addShutdownHook(w.hook);
        w.poller.start();
        return w;
    }

    /** Why the watch cancelled the job, or null. */
    String failure() {
        return failure;
    }

    private void poll() {
        long short_ = 0;
        while (!stopped) {
            try {
                Thread.sleep(1000);
                if (jobId == null) {
                    jobId = activeJob();
                    continue;
                }
                int slots = rest.slotsTotal();
                long now = System.currentTimeMillis();
                if (slots >= parallelism) {
                    short_ = 0;
                } else if (short_ == 0) {
                    short_ = now;
                } else if (now - short_ >= GRACE_MILLIS) {
                    failure = lostSlots(master, slots, parallelism);
                    rest.cancel(jobId);
                    return;
                }
            } catch (IOException e) {
                // the cluster did not answer this time: Beam's own client reports a cluster that is gone
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The id of this watch's job while the cluster runs it, else null. */
    private String activeJob() throws IOException {
        return rest.jobs().stream().filter(j -> j.name().equals(jobName) && j.active()).map(FlinkRest.Job::id).findFirst().orElse(null);
    }

    private void cancelOwnJob() {
        try {
            String id = jobId;
            if (id == null) {
                id = activeJob();
            }
            if (id != null && !stopped) {
                rest.cancel(id);
            }
        } catch (IOException e) {
            // best effort on the way out; the next run cancels what is left (cancelOrphans)
        }
    }

    @Override
    public void close() {
        stopped = true;
        poller.interrupt();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs (or ran) anyway
        }
    }

    /**
     * Cancels the cluster's active bitgrad jobs whose submitting process, on this host, is dead;
     * returns their names. Jobs of live processes, of other hosts and not bitgrad's are left alone.
     */
    static List<String> cancelOrphans(FlinkRest rest) throws IOException {
        List<String> cancelled = new ArrayList<>();
        for (FlinkRest.Job j : rest.jobs()) {
            Matcher m = NAME.matcher(j.name());
            if (j.active() && m.matches() && m.group(1).equals(host())
                    && ProcessHandle.of(Long.parseLong(m.group(2))).map(ProcessHandle::isAlive).orElse(false) == false
                    && rest.cancel(j.id())) {
                cancelled.add(j.name());
            }
        }
        return cancelled;
    }

    private static String host() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9.]", "");
        } catch (IOException e) {
            return "localhost";
        }
    }
}
