package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** In-task progress: done/total, rate and ETA on stderr, throttled. */
class TaskProgressTest {

    @Test
    void printsDoneRateAndEtaAtMostOncePerInterval() throws Exception {
        PrintStream saved = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try {
            System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
            TaskProgress quiet = new TaskProgress("nes(sigma=0.1,n=50000)", "samples", 50_000);
            quiet.done(10);
            assertEquals("", buf.toString(StandardCharsets.UTF_8), "nothing in the first interval");
            TaskProgress p = new TaskProgress("nes(sigma=0.1,n=50000)", "samples", 50_000, 200_000_000L);
            Thread.sleep(250);
            p.done(25_000);
            p.done(25_001); // within the interval: no second line
        } finally {
            System.setErr(saved);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), out);
        assertTrue(out.matches("    nes\\(sigma=0.1,n=50000\\): 25000/50000 samples, \\S+ samples/s, eta \\d+s\\R"), out);
    }
}
