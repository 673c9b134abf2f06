package bitgrad.pipelines.run;

import bitgrad.transforms.Task;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A run's record, {@code runs/<id>/run.json}: what ran, from which configuration and build, on what, how each stage's
 * cache decided and which artifacts it holds. The runner writes it from the run's first second (state {@code running},
 * with its pid and stage) and at every stage boundary; {@code runs}, {@code show}, {@code compare} and the report read it.
 * Fields in snake_case, absent ones left out.
 *
 * @param runId the run's folder name
 * @param status running, ok, failed or interrupted (a killed run keeps {@code running}: see {@link RunLease#state})
 * @param error the one-line reason of a failed or interrupted run
 * @param pid the computing process, while running
 * @param currentStage the stage being computed, while running
 * @param experiment the experiment's name
 * @param source the preset, file or record the configuration came from
 * @param overrides the {@code --set} overrides, as given
 * @param name the run's {@code --name}
 * @param command the command line
 * @param seed the run's seed
 * @param config the resolved configuration
 * @param versions bitgrad's and its engines' versions
 * @param gitCommit the commit the jar was built from
 * @param gitDirty whether that build had uncommitted changes (true, false, or what the build could say)
 * @param host the machine
 * @param os its operating system and architecture
 * @param runner direct or flink
 * @param flinkMaster the cluster, on the Flink runner
 * @param parallelism the job's parallelism
 * @param device the engine's device
 * @param started when the run began
 * @param finished when it ended (absent while running)
 * @param seconds its wall time so far
 * @param stages each stage's cache decision and artifacts
 * @param plannedArtifacts every artifact the plan named, for a run that did not end ok (gc keeps what it finished)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"run_id", "status", "error", "pid", "current_stage", "experiment", "source", "overrides", "name", "command", "seed",
    "config", "versions", "git_commit", "git_dirty", "host", "os", "runner", "flink_master", "parallelism", "device", "started",
    "finished", "seconds", "stages", "planned_artifacts"})
public record RunRecord(String runId, String status, String error, Long pid, String currentStage, String experiment, String source,
        List<String> overrides, String name, List<String> command, long seed, JsonNode config, Map<String, String> versions,
        String gitCommit, Object gitDirty, String host, String os, String runner, String flinkMaster, int parallelism, String device,
        String started, String finished, double seconds, List<Stage> stages, List<String> plannedArtifacts) {

    /** A run's state in its record while it computes (with its pid and current stage). */
    public static final String RUNNING = "running";
    /** A run's state after SIGINT or SIGTERM (its finished tasks are cached; the same command resumes it). */
    public static final String INTERRUPTED = "interrupted";
    /** Field of an unfinished run's record: every artifact ({@code stage/key}) its plan named, finished or not. */
    public static final String PLANNED = "planned_artifacts";
    /** How the error of a run whose page could not be written begins. */
    public static final String REPORT_FAILED = "report not written";

    /**
     * One stage of the run.
     *
     * @param stage its name
     * @param cache hit, miss or partial
     * @param reason why
     * @param tasks tasks planned
     * @param computed tasks computed in this run
     * @param seconds its wall time
     * @param codeVersion the stage's code version
     * @param artifacts its artifacts, {@code stage/key}
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    @JsonPropertyOrder({"stage", "cache", "reason", "tasks", "computed", "seconds", "code_version", "artifacts"})
    public record Stage(String stage, String cache, String reason, int tasks, int computed, double seconds, String codeVersion,
            List<String> artifacts) {
    }

    /** Writes this record as {@code run.json} in {@code runDir}, atomically. */
    public void write(Path runDir) throws IOException {
        Files.createDirectories(runDir);
        writeAtomically(runDir.resolve("run.json"), Task.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(this));
    }

    /** Marks the record of the run in {@code runDir} failed with {@code error} (a step after the stages failed). */
    public static void markFailed(Path runDir, String error) {
        try {
            ObjectNode r = (ObjectNode) Task.JSON.readTree(runDir.resolve("run.json").toFile());
            r.put("status", "failed");
            r.put("error", error);
            rewrite(runDir, r);
        } catch (IOException | RuntimeException e) {
            // the record stays as it was; the caller reports the failure on the terminal
        }
    }

    /**
     * After {@code bitgrad report} wrote the page of a run whose only failure was its report:
     * the record becomes {@code ok} again (a failure of a stage stays recorded).
     */
    public static void markReportWritten(Path runDir) throws IOException {
        ObjectNode r = (ObjectNode) Task.JSON.readTree(runDir.resolve("run.json").toFile());
        if ("failed".equals(r.path("status").asText()) && r.path("error").asText().startsWith(REPORT_FAILED)) {
            r.put("status", "ok");
            r.remove("error");
            rewrite(runDir, r);
        }
    }

    private static void rewrite(Path runDir, ObjectNode r) throws IOException {
        writeAtomically(runDir.resolve("run.json"), Task.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(r));
    }

    /**
     * Writes {@code bytes} to {@code target} through a temporary file in the same folder, forced to
     * disk and renamed into place: a reader sees the old file or the whole new one, never a part
     * (a full disk fails the write of the temporary, which is then removed).
     */
    public static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try {
            try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.TRUNCATE_EXISTING, java.nio.file.StandardOpenOption.WRITE)) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            }
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
