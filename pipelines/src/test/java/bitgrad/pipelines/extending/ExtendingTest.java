package bitgrad.pipelines.extending;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.pipelines.cli.BitgradCli;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.ColumnTable;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Extending" example: an estimator added in two files (its class and one service line) runs through the pipeline. */
class ExtendingTest {

    static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = BitgradCli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    void aPluggedInEstimatorIsPlannedEstimatedSweptAndReported(@TempDir Path runs) throws Exception {
        assertTrue(Estimators.families().contains("sign-ste"), "the test's family is found through the service file");
        String tiny = Path.of(ExtendingTest.class.getResource("/tiny.yaml").toURI()).toString();
        String[] r = cli("run", tiny, "--runs-dir", runs.toString(), "--set", "estimators.extra=[{type: sign-ste, scale: 0.5}]");
        assertEquals("0", r[0], r[2] + r[1]);
        assertTrue(r[1].contains("estimator=sign-ste(scale=0.5)"), r[1]);
        Path summary;
        try (Stream<Path> s = Files.walk(runs.resolve("cache/summary"))) {
            summary = s.filter(p -> p.getFileName().toString().equals("summary.arrow")).findFirst().orElseThrow();
        }
        ColumnTable t = ArrowFiles.read(summary);
        int rows = 0;
        for (int i = 0; i < t.rows(); i++) {
            Estimator e = Estimators.decode(t.string("estimator_spec", i));
            if (e instanceof SignSteEstimator s) {
                assertEquals(0.5, s.scale());
                assertTrue(Double.isFinite(t.getDouble("best_decrease", i)));
                rows++;
            }
        }
        assertEquals(2, rows, "one row per (model, batch) of the tiny grid");
        Path report;
        try (Stream<Path> s = Files.walk(runs)) {
            report = s.filter(p -> p.getFileName().toString().equals("report.html")).findFirst().orElseThrow();
        }
        assertTrue(Files.readString(report).contains("sign-ste(scale=0.5)"), "the report names the new estimator");
    }

    @Test
    void aBadSpecIsAOneLineErrorNamingTheKey(@TempDir Path runs) throws Exception {
        String tiny = Path.of(ExtendingTest.class.getResource("/tiny.yaml").toURI()).toString();
        for (String bad : new String[] {"[{type: no-such}]", "[{type: sign-ste}]", "[{type: cdg, eps: many}]", "[{eps: 0.1}]"}) {
            String[] r = cli("run", tiny, "--runs-dir", runs.toString(), "--set", "estimators.extra=" + bad);
            assertEquals("2", r[0], bad + ": " + r[1] + r[2]);
            assertTrue(r[2].contains("estimators.extra[0]"), r[2]);
            assertEquals(1, r[2].strip().lines().count(), r[2]);
            assertFalse(r[2].contains("Exception"), r[2]);
        }
    }

    /**
     * A quantizer, a stage with its planner and a figure, each plugged in from these test sources by one service line: the
     * stage runs once per model when an experiment turns it on, its numbers are the norms of the models' own tensors, its
     * figure and table are in the report, and the quantizer carries a run whose delta CDG equals dense CDG on it.
     */
    @Test
    void aPluggedInQuantizerStageAndFigureRunThroughTheWholePipeline(@TempDir Path runs) throws Exception {
        String tiny = Path.of(ExtendingTest.class.getResource("/tiny.yaml").toURI()).toString();
        String[] r = cli("run", tiny, "--runs-dir", runs.toString(), "--set", "rosenbrock.enabled=false", "--set",
                "model.activation=[shifted-sign:0.1]", "--set", "extensions.weight-norms.power=2");
        assertEquals("0", r[0], r[2] + r[1]);
        assertTrue(r[1].contains("stage=weight-norms cache=miss"), r[1]);
        // the stage's numbers are the 2-norms of each initialised student's tensors
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        int checked = 0;
        for (String key : keys(runs, "weight-norms")) {
            String init = bitgrad.transforms.Task.JSON.valueToTree(store.manifest("weight-norms", key).info().get("task")).path("inputs")
                    .path("init").get(0).path("key").asText();
            ParamSet student = bitgrad.schemas.Schemas.toParamSet(ArrowFiles.read(store.dir("init-models", init).resolve("student.arrow")));
            ColumnTable norms = ArrowFiles.read(store.dir("weight-norms", key).resolve("norms.arrow"));
            assertEquals(student.count(), norms.rows());
            for (int t = 0; t < norms.rows(); t++) {
                double sum = 0;
                for (float v : student.get(t).data()) {
                    sum += (double) v * v;
                }
                assertEquals(Math.sqrt(sum), norms.getDouble("norm", t), 1e-9 * Math.sqrt(sum));
                checked++;
            }
        }
        assertTrue(checked > 0, "the stage ran");
        Path report;
        try (Stream<Path> s = Files.walk(runs)) {
            report = s.filter(p -> p.getFileName().toString().equals("report.html")).findFirst().orElseThrow();
        }
        String page = Files.readString(report);
        assertTrue(page.contains("Stage weight-norms") && page.contains("Weight norms at init") && page.contains("<img"), "the plugged-in figure is on the page");
        assertTrue(page.contains("shifted-sign:0.1"), "the report names the plugged-in quantizer");

        // the quantizer reaches delta CDG through its thresholds and levels: equal to evaluating every copy in full
        String[] dense = cli("run", tiny, "--runs-dir", runs.toString(), "--set", "rosenbrock.enabled=false", "--set",
                "model.activation=[shifted-sign:0.1]", "--set", "estimators.cdg.method=dense", "--only", "estimate");
        assertEquals("0", dense[0], dense[2] + dense[1]);
        java.util.Map<String, ParamSet> byMethod = new java.util.HashMap<>();
        for (String key : keys(runs, "estimate")) {
            var task = bitgrad.transforms.Task.JSON.valueToTree(store.manifest("estimate", key).info().get("task"));
            var est = task.path("params").path("estimator");
            if (est.path("type").asText().equals("cdg")) {
                // paired by what the estimate is of: the model, the batch and eps
                byMethod.put(est.path("method").asText() + "|" + task.path("inputs").path("model").get(0).path("key").asText() + "|"
                        + task.path("inputs").path("data").get(0).path("key").asText() + "|" + est.path("eps").asText(),
                        bitgrad.schemas.Schemas.toParamSet(ArrowFiles.read(store.dir("estimate", key).resolve("gradient.arrow"))));
            }
        }
        int compared = 0;
        for (String k : byMethod.keySet()) {
            if (k.startsWith("delta")) {
                ParamSet d = byMethod.get(k);
                ParamSet full = byMethod.get("dense" + k.substring("delta".length()));
                assertTrue(full != null, "the dense twin of " + k + " in " + byMethod.keySet());
                float[] a = d.flatten();
                float[] b = full.flatten();
                double scale = 0;
                for (float v : b) {
                    scale = Math.max(scale, Math.abs(v));
                }
                for (int i = 0; i < a.length; i++) {
                    assertEquals(b[i], a[i], 1e-4 * scale + 1e-7, "coordinate " + i + " of " + k);
                }
                compared++;
            }
        }
        assertTrue(compared > 0, "delta and dense CDG estimates found: " + byMethod.keySet());
        // a bad parameter of the plugged-in quantizer and an unknown extension are one-line errors
        String[] bad = cli("run", tiny, "--runs-dir", runs.toString(), "--set", "model.activation=[shifted-sign:x]");
        assertEquals("2", bad[0], bad[1] + bad[2]);
        assertTrue(bad[2].contains("shifted-sign:x") && bad[2].strip().lines().count() == 1, bad[2]);
        String[] unknown = cli("run", tiny, "--runs-dir", runs.toString(), "--set", "extensions.no-such.x=1");
        assertEquals("2", unknown[0], unknown[1] + unknown[2]);
        assertTrue(unknown[2].contains("unknown extension 'no-such'") && unknown[2].contains("weight-norms"), unknown[2]);
    }

    private static java.util.List<String> keys(Path runs, String stage) throws java.io.IOException {
        try (Stream<Path> s = Files.list(runs.resolve("cache").resolve(stage))) {
            return s.filter(p -> Files.exists(p.resolve("manifest.json"))).map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
