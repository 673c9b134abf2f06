package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CoresTest {

    @Test
    void theCallerPlusThePoolsThreadsAtMostTheMachines() {
        assertEquals(2, Cores.of(null, 2)); // no cap: every core
        assertEquals(1, Cores.of("0", 2)); // the caller alone (a run with --threads 1)
        assertEquals(2, Cores.of("1", 2));
        assertEquals(2, Cores.of("7", 2));
        assertEquals(8, Cores.of("7", 16));
        assertEquals(2, Cores.of("many", 2)); // the pool ignores a malformed value
        assertEquals(1, Cores.of("-3", 4));
    }
}
