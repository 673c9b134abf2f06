package bitgrad.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.Cores;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code --threads N} caps the engine's threads and the host's parallel loops at N, the caller included. */
class ThreadsTest {

    @Test
    void oneThreadLeavesTheCallerAlone() {
        Properties p = new Properties();
        Threads.limit(1, p);
        assertEquals("1", p.getProperty("ai.djl.pytorch.num_threads"));
        // no pool thread besides the caller (a pool of 1 would make two threads)
        assertEquals("0", p.getProperty(Cores.POOL_PROPERTY));
    }

    @Test
    void nThreadsAreTheCallerAndNMinusOnePoolThreads() {
        Properties p = new Properties();
        Threads.limit(3, p);
        assertEquals("3", p.getProperty("ai.djl.pytorch.num_threads"));
        assertEquals("2", p.getProperty(Cores.POOL_PROPERTY));
    }

    @Test
    void noLimitSetsNothing() {
        Properties p = new Properties();
        Threads.limit(0, p);
        assertTrue(p.isEmpty());
    }
}
