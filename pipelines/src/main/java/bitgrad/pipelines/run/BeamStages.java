package bitgrad.pipelines.run;

import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import java.util.List;
import org.apache.beam.runners.direct.DirectOptions;
import org.apache.beam.runners.direct.DirectRunner;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.transforms.Reshuffle;

/** Runs one stage's tasks as a Beam pipeline on the chosen runner: tasks, spread over workers, the stage transform. */
final class BeamStages {

    private BeamStages() {
    }

    static PipelineOptions options(RunOptions opts, String stage) {
        PipelineOptions o = PipelineOptionsFactory.create();
        o.setJobName(opts.remoteFlink() ? FlinkJobWatch.jobName(stage) : "bitgrad-" + stage);
        if ("flink".equals(opts.runner())) {
            FlinkPipelineOptions f = o.as(FlinkPipelineOptions.class);
            f.setRunner(FlinkRunner.class);
            f.setFlinkMaster(opts.flinkMaster());
            f.setParallelism(opts.parallelism());
            f.setMaxParallelism(Math.max(opts.parallelism(), 1));
            f.setFasterCopy(true); // elements are task descriptions (immutable strings): no defensive copies needed
            if (opts.remoteFlink()) {
                f.setFilesToStage(filesToStage());
                if (opts.flinkConf() != null) {
                    f.setFlinkConfDir(opts.flinkConf().toString());
                }
            }
            return f;
        }
        DirectOptions d = o.as(DirectOptions.class);
        d.setRunner(DirectRunner.class);
        d.setTargetParallelism(opts.parallelism());
        d.setBlockOnRun(true);
        return d;
    }

    /**
     * What a job submitted to a Flink cluster carries: the shaded CLI jar when bitgrad runs from
     * it; on a development classpath (tests, IDE) only bitgrad's own class folders and module
     * jars, as the cluster started by {@code scripts/flink-cluster} has every third-party jar.
     */
    static List<String> filesToStage() {
        String[] parts = System.getProperty("java.class.path").split(java.io.File.pathSeparator);
        if (parts.length == 1 && parts[0].endsWith(".jar")) {
            return List.of(parts[0]);
        }
        return java.util.Arrays.stream(parts).filter(BeamStages::isBitgradModule).toList();
    }

    /** A class folder (not tests) or a module jar ({@code bitgrad-<module>-<version>.jar}) of bitgrad itself. */
    static boolean isBitgradModule(String entry) {
        java.nio.file.Path p = java.nio.file.Path.of(entry);
        if (java.nio.file.Files.isDirectory(p)) {
            return !entry.endsWith("test-classes");
        }
        String name = p.getFileName().toString();
        return name.startsWith("bitgrad-") && name.endsWith(".jar");
    }

    /** Computes {@code tasks} of {@code stage}; throws with the task's own error if one fails. */
    static void run(RunOptions opts, String stage, List<Task> tasks, boolean force) {
        Pipeline p = Pipeline.create(options(opts, stage));
        p.apply("Tasks", Create.of(bitgrad.transforms.TaskGroups.elements(Stages.get(stage), tasks)).withCoder(StringUtf8Coder.of()))
                .apply("Spread", Reshuffle.viaRandomKey())
                .apply(title(stage), Stages.transform(stage, opts.cacheDir().toString(), force));
        if (!opts.remoteFlink()) {
            p.run().waitUntilFinish();
            return;
        }
        String name = p.getOptions().getJobName();
        try (FlinkJobWatch watch = FlinkJobWatch.start(new FlinkRest(opts.flinkMaster(), opts.flinkConf()), opts.flinkMaster(), name,
                opts.parallelism())) {
            try {
                p.run().waitUntilFinish();
            } catch (RuntimeException e) {
                if (watch.failure() != null) {
                    throw new IllegalStateException(watch.failure());
                }
                throw e;
            }
        }
    }

    /** {@code lr-sweep} as {@code LrSweep}: the step name in the Beam graph. */
    static String title(String stage) {
        StringBuilder sb = new StringBuilder();
        for (String part : stage.split("-")) {
            sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return sb.toString();
    }
}
