package bitgrad.pipelines.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.Cores;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --threads N} caps the engine's threads and the host's parallel loops at N, the caller included. */
class ThreadsTest {

    /** N threads are the caller and N - 1 pool threads: for 1, no pool thread (a pool of 1 would make two). */
    @ParameterizedTest
    @CsvSource({"1,0", "3,2"})
    void nThreadsAreTheCallerAndNMinusOnePoolThreads(int n, String poolThreads) {
        Properties p = new Properties();
        Threads.limit(n, p);
        assertEquals(Integer.toString(n), p.getProperty("ai.djl.pytorch.num_threads"));
        assertEquals(poolThreads, p.getProperty(Cores.POOL_PROPERTY));
    }

    @Test
    void noLimitSetsNothing() {
        Properties p = new Properties();
        Threads.limit(0, p);
        assertTrue(p.isEmpty());
    }
}
