package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bitgrad export}: a run's tables per repeat with typed columns, and the docs' pandas example run against them. */
class ExportTest {

    @Test
    void aRunsTablesComeOutTypedPerRepeat(@TempDir Path tmp) throws Exception {
        Path runs = tmp.resolve("runs");
        CliFixture.finishedRunAt(runs);
        Path out = tmp.resolve("out");
        CliFixture.Result r = CliFixture.cli("export", "latest", out.toString(), "--runs-dir", runs.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("table=summary "), r.out());
        ColumnTable s = ArrowFiles.read(out.resolve("summary.arrow"));
        assertEquals(ColumnType.LONG, s.columns().get("samples"));
        assertEquals(ColumnType.LONG, s.columns().get("k"));
        assertEquals(ColumnType.BOOLEAN, s.columns().get("pretrained"));
        assertEquals(ColumnType.BOOLEAN, s.columns().get("at_edge"));
        assertEquals(ColumnType.BOOLEAN, s.columns().get("estimator.antithetic"));
        boolean sawPretrained = false;
        boolean sawNes = false;
        for (int i = 0; i < s.rows(); i++) {
            sawPretrained |= Boolean.TRUE.equals(s.get("pretrained", i));
            if ("nes".equals(s.string("family", i))) {
                sawNes = true;
                assertEquals(50L, s.getLong("samples", i), "tiny's NES sample count");
            } else {
                assertNull(s.get("samples", i), "only NES has a sample count");
            }
        }
        assertTrue(sawPretrained && sawNes, "tiny pretrains and runs NES");
        // a table whose rows do not say their setting gets the task's parameters: the Rosenbrock paths their estimator
        ColumnTable path = ArrowFiles.read(out.resolve("rosenbrock_path.arrow"));
        assertTrue(path.columns().containsKey("estimator.type") && path.columns().containsKey("optimizer"), path.columns().toString());
        JsonNode index = Task.JSON.readTree(out.resolve("export.json").toFile());
        assertEquals("Int64", index.path("tables").path("summary").path("pandas_dtypes").path("samples").asText());
        assertEquals("boolean", index.path("tables").path("summary").path("pandas_dtypes").path("pretrained").asText());
        assertEquals(s.rows(), index.path("tables").path("summary").path("rows").asInt());
        List<String> csv = Files.readAllLines(out.resolve("summary.csv"));
        assertEquals(s.rows() + 1, csv.size());
        assertTrue(csv.get(0).contains(",samples,"), csv.get(0));

        // a folder that holds anything is refused, its file untouched; an unknown run is a one-line error
        CliFixture.Result again = CliFixture.cli("export", "latest", out.toString(), "--runs-dir", runs.toString());
        assertNotEquals(0, again.code());
        assertEquals(1, again.err().strip().lines().count(), again.err());
        assertTrue(again.err().contains("not empty"), again.err());
        assertEquals(s.rows(), ArrowFiles.read(out.resolve("summary.arrow")).rows());
        CliFixture.Result unknown = CliFixture.cli("export", "no-such-run", tmp.resolve("x").toString(), "--runs-dir", runs.toString());
        assertNotEquals(0, unknown.code());
        assertTrue(unknown.err().contains("no run 'no-such-run'") && !unknown.err().contains("Exception"), unknown.err());
        assertTrue(!Files.exists(tmp.resolve("x")), "nothing written for a failed export");

        docsExample(out);
    }

    /** The Python block of docs/notebook.md, run on the export when Python has pandas (skipped otherwise). */
    private static void docsExample(Path out) throws Exception {
        Path doc = Path.of(System.getProperty("user.dir")).getParent().resolve("docs/notebook.md");
        String text = Files.readString(doc);
        int from = text.indexOf("```python\n");
        assertTrue(from >= 0, "docs/notebook.md has a python block");
        String code = text.substring(from + "```python\n".length(), text.indexOf("```", from + 10));
        // the python3 on the PATH, else the system's (a pyenv shim may hide the distribution's pandas)
        String python = List.of("python3", "/usr/bin/python3").stream().filter(py -> python(py, "import pandas") == 0).findFirst()
                .orElse(null);
        Assumptions.assumeTrue(python != null, "no python3 with pandas here: the docs' example is not run");
        Path script = out.resolveSibling("example.py");
        Files.writeString(script, code);
        ProcessBuilder pb = new ProcessBuilder(python, script.toString(), out.toString()).redirectErrorStream(true);
        Process p = pb.start();
        String said = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the example finishes");
        assertEquals(0, p.exitValue(), "docs/notebook.md's example failed:\n" + said);
        assertTrue(said.contains("CDG (best eps)") && said.contains("STE"), said);
    }

    private static int python(String interpreter, String statement) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(interpreter, "-c", statement))).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (java.io.IOException | InterruptedException e) {
            return -1;
        }
    }
}
