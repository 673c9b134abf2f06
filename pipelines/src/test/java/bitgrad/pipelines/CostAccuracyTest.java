package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} on a fresh runs dir predicts the run's time within a factor 1.5, for the README's
 * scaled hparam-search (about 30 s). A timing check, so tagged heavy: run it on a quiet machine.
 */
@Tag("heavy")
class CostAccuracyTest {

    @Test
    void statusPredictsTheScaledHparamSearchWithinAFactorOneAndAHalf(@TempDir Path dir) throws Exception {
        Path runs = dir.resolve("runs");
        Files.createDirectories(runs);
        String[] preset = {"hparam-search", "--set", "dims=[8,16]", "--set", "estimators.nes.samples=[500]", "--set", "num_init=1",
            "--runs-dir", runs.toString()};
        CliFixture.Result status = CliFixture.cli(concat("status", preset));
        assertEquals(0, status.code(), status.err());
        Matcher m = Pattern.compile("(?m)^eta_seconds=(\\d+)").matcher(status.out());
        assertTrue(m.find(), status.out());
        double predicted = Double.parseDouble(m.group(1));
        CliFixture.Result run = CliFixture.cli(concat("run", preset));
        assertEquals(0, run.code(), run.err());
        double ratio = predicted / run.seconds();
        assertTrue(ratio > 1 / 1.5 && ratio < 1.5, "predicted " + predicted + " s, took " + run.seconds() + " s");
    }

    private static String[] concat(String command, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = command;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }
}
