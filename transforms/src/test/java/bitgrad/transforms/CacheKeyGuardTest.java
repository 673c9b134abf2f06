package bitgrad.transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SrSteEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.models.quant.Quantizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cache keys that follow the code: every built-in stage computes one small canonical DAG, and the
 * digest of each stage's output (its tables, numbers to 4 significant digits) is held against the
 * committed record {@code cache-key-guard.json} of (stage, code version) -> digest. An output that
 * changed while the stage's code version ({@link Stage#codeVersion}: its own version and its
 * algorithms') did not fails, naming the stage to bump; a bump without an output change passes.
 * After a deliberate bump, {@code -Dbitgrad.guard.update=true} rewrites the record (commit it).
 */
class CacheKeyGuardTest {

    static final String RECORD = "cache-key-guard.json";

    @Test
    void everyStagesOutputIsPinnedToItsCodeVersion(@TempDir Path dir) throws Exception {
        Dag dag = new Dag(new StageFixture(dir));
        Map<String, String> digests = canonicalDigests(dag);
        assertEquals(new java.util.TreeSet<>(Stages.names()), new java.util.TreeSet<>(digests.keySet()),
                "the canonical DAG must cover every built-in stage: add a task of the new stage to it");
        Path source = Path.of("src/test/resources", RECORD);
        if (Boolean.getBoolean("bitgrad.guard.update")) {
            ObjectNode out = Task.JSON.createObjectNode();
            new TreeMap<>(digests).forEach((stage, digest) -> out.putObject(stage).put("code_version", dag.version(stage))
                    .put("digest", digest));
            Files.writeString(source, Task.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
            return;
        }
        var record = Task.JSON.readTree(CacheKeyGuardTest.class.getResource("/" + RECORD));
        List<String> problems = new ArrayList<>();
        for (String stage : Stages.names()) { // in DAG order: upstream stages are named first
            String digest = digests.get(stage);
            var pinned = record.path(stage);
            String version = dag.version(stage);
            if (pinned.isMissingNode()) {
                problems.add("stage " + stage + " has no entry in " + RECORD + ": rerun with -Dbitgrad.guard.update=true and commit it");
            } else if (pinned.path("code_version").asText().equals(version) && !pinned.path("digest").asText().equals(digest)) {
                problems.add("stage " + stage + "'s output changed but its code version is still " + Stages.version(stage)
                        + " (and its inputs' too): bump the version of " + stage + " (or of the algorithm that changed), then rerun"
                        + " with -Dbitgrad.guard.update=true and commit " + RECORD + upstreamNote(dag, stage, problems));
            } else if (!pinned.path("code_version").asText().equals(version) && !pinned.path("digest").asText().equals(digest)) {
                problems.add("stage " + stage + " was bumped to " + version + " and its output changed: rerun with"
                        + " -Dbitgrad.guard.update=true and commit " + RECORD + " so that the next change is guarded");
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }

    @Test
    void theDigestSeesAChangedNumberAndIgnoresFloatNoise() {
        java.util.function.DoubleFunction<String> digest = x -> OutputDigest.of(List.of(
                new bitgrad.schemas.ColumnTable("t", "x", bitgrad.schemas.ColumnType.DOUBLE).add(x)));
        assertEquals(digest.apply(0.123456789), digest.apply(0.123456791), "float noise is not a change");
        assertEquals(digest.apply(0.0), digest.apply(-0.0));
        org.junit.jupiter.api.Assertions.assertNotEquals(digest.apply(0.123456789), digest.apply(0.1236), "a changed result is");
        org.junit.jupiter.api.Assertions.assertNotEquals(digest.apply(0.1234), digest.apply(-0.1234), "a changed sign is");
    }

    /** Where a stage upstream was already named: its change may be all this stage shows. */
    private static String upstreamNote(Dag dag, String stage, List<String> problems) {
        List<String> named = dag.upstream.getOrDefault(stage, java.util.Set.of()).stream()
                .filter(u -> problems.stream().anyMatch(p -> p.startsWith("stage " + u + "'s output changed"))).toList();
        return named.isEmpty() ? "" : " (or it only follows from " + String.join(", ", named) + ": bump that first)";
    }

    /** The canonical DAG as it is computed: each task, and for each stage the stages upstream of it. */
    static final class Dag {
        final StageFixture f;
        final Map<String, java.util.Set<String>> upstream = new TreeMap<>();

        Dag(StageFixture f) {
            this.f = f;
        }

        <P extends Record> TaskRef run(Stage<P> stage, P params, Map<String, List<TaskRef>> inputs) {
            java.util.Set<String> up = upstream.computeIfAbsent(stage.name(), s -> new java.util.TreeSet<>());
            inputs.values().forEach(refs -> refs.forEach(r -> {
                up.add(r.stage());
                up.addAll(upstream.getOrDefault(r.stage(), java.util.Set.of()));
            }));
            return f.one(f.task(stage, params, inputs));
        }

        /**
         * The version a stage's digest is pinned to: its own code version and every upstream stage's
         * (a bump upstream changes the keys downstream, as keys hash their inputs' keys).
         */
        String version(String stage) {
            StringBuilder sb = new StringBuilder(Stages.version(stage));
            upstream.getOrDefault(stage, java.util.Set.of()).forEach(u -> sb.append(' ').append(u).append('=').append(Stages.version(u)));
            return sb.toString();
        }
    }

    /** Every built-in stage on a tiny problem, each task's tables digested; stage name to digest. */
    static Map<String, String> canonicalDigests(Dag dag) throws Exception {
        StageFixture f = dag.f;
        Map<String, String> out = new LinkedHashMap<>();
        MlpSpec spec = new MlpSpec(4, 2, Quantizer.parse("sign"), false);
        Map<String, List<TaskRef>> none = Map.of();
        TaskRef data = dag.run(Stages.GENERATE_DATA, new GenerateDataStage.Params(4, 256, 100, 7), none);
        TaskRef heldout = dag.run(Stages.GENERATE_DATA, new GenerateDataStage.Params(4, 256, 100, 8), none);
        TaskRef init = dag.run(Stages.INIT_MODELS, new InitModelsStage.Params(spec, 11), none);
        TaskRef model = dag.run(Stages.PRETRAIN, new PretrainStage.Params(spec, "adam", 0.01, 10, 256, 1),
                Map.of("init", List.of(init)));
        Map<String, List<TaskRef>> in = Map.of("data", List.of(data), "init", List.of(init), "model", List.of(model));
        List<Estimator> ests = List.of(new SteEstimator(), new CdgEstimator(0.1), NesEstimator.antithetic(0.1, 20),
                new SrSteEstimator(1.0, 2, bitgrad.models.nets.StochasticRounding.Backward.QUANTIZER));
        List<TaskRef> estimates = new ArrayList<>();
        for (Estimator e : ests) {
            estimates.add(dag.run(Stages.ESTIMATE, new EstimateStage.Params(spec, e, 5), in));
        }
        Map<String, List<TaskRef>> sweepIn = new LinkedHashMap<>(in);
        sweepIn.put("heldout", List.of(heldout));
        sweepIn.put("estimates", estimates);
        GridPoint g = new GridPoint(4, "sign", 256, 0, 0, true);
        TaskRef sweep = dag.run(Stages.LR_SWEEP, new LrSweepStage.Params(spec, g, 1e-3, 1e-3, 10, "per_tensor", null), sweepIn);
        TaskRef cosine = dag.run(Stages.COSINE, new CosineStage.Params(g, "per_tensor"), Map.of("estimates", estimates));
        Map<String, List<TaskRef>> steOnly = new LinkedHashMap<>(sweepIn);
        steOnly.put("estimates", List.of(estimates.get(0)));
        TaskRef layers = dag.run(Stages.LAYER_SWEEP, new LayerSweepStage.Params(spec, g, 1e-3, 1e-3, 10, "per_tensor", null), steOnly);
        Map<String, List<TaskRef>> nesOnly = new LinkedHashMap<>(sweepIn);
        nesOnly.put("estimates", List.of(estimates.get(2)));
        TaskRef smoothing = dag.run(Stages.SMOOTHING, new SmoothingStage.Params(spec, g, 8, "per_tensor", 3), nesOnly);
        Map<String, List<TaskRef>> snrIn = new LinkedHashMap<>(sweepIn);
        snrIn.put("estimates", List.of(estimates.get(0), estimates.get(1)));
        TaskRef snr = dag.run(Stages.NES_SNR, new NesSnrStage.Params(spec, g, 0.1, List.of(10, 20), 2, 4), snrIn);
        TaskRef probe = dag.run(Stages.PROBE, new ProbeStage.Params(spec, g, 1e-3, 1e-3, 10, 5, List.of(0.1), 3, 2, 3, 9, null),
                sweepIn);
        TaskRef ros = dag.run(Stages.ROSENBROCK, new RosenbrockStage.Params(4, 3, 1, new CdgEstimator(0.01), "adam", 20, 0.1,
                0.5, 10, 1e-6, 2), none);
        TaskRef check = dag.run(Stages.GRADCHECK, new GradCheckStage.Params(10, 4, new GradCheckStage.PathDescent("adam", 0.1, 0.5,
                100), List.of(5), List.of(1e-2, 1e-3), List.of(1e-3), List.of(100, 1000), 7), none);
        TaskRef images = dag.run(Stages.IMAGE_DATA, new ImageDataStage.Params("synthetic", null, 16, 4L), none);
        ResNetSpec rspec = new ResNetSpec(2, Quantizer.parse("sign"), true);
        TaskRef resnet = dag.run(Stages.RESNET_PRETRAIN, new ResNetPretrainStage.Params(rspec, "adam", 0.01, 2, 8, 1, 2),
                Map.of("data", List.of(images)));
        TaskRef rgrad = dag.run(Stages.RESNET_GRAD, new ResNetGradStage.Params(rspec, 16, 0.01, 6, 8, 3),
                Map.of("data", List.of(images), "model", List.of(resnet)));
        TaskRef summary = dag.run(Stages.SUMMARY, new SummaryStage.Params(), Map.of("sweeps", List.of(sweep), "cosines",
                List.of(cosine), "rosenbrock", List.of(ros)));
        for (TaskRef r : List.of(data, init, model, estimates.get(0), sweep, cosine, layers, smoothing, snr, probe, ros, check, images,
                resnet, rgrad, summary)) {
            out.put(r.stage(), OutputDigest.of(f.store, r));
        }
        // every estimator family's numbers are part of the estimate stage's output
        StringBuilder all = new StringBuilder();
        for (TaskRef e : estimates) {
            all.append(OutputDigest.of(f.store, e));
        }
        out.put("estimate", bitgrad.schemas.ArtifactStore.sha256(all.toString()));
        return out;
    }
}
