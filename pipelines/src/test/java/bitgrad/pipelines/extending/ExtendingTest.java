package bitgrad.pipelines.extending;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.pipelines.cli.BitgradCli;
import bitgrad.schemas.ArrowFiles;
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
}
