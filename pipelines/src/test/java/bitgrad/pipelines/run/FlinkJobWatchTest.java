package bitgrad.pipelines.run;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** What a job that lost its cluster's task slots tells the user to do. */
class FlinkJobWatchTest {

    @Test
    void withNoSlotLeftItSaysToRestartTheClusterNotToLowerTheParallelism() {
        String none = FlinkJobWatch.lostSlots("127.0.0.1:8081", 0, 2);
        assertTrue(none.contains("0 task slots left") && none.contains("restart the cluster"), none);
        assertFalse(none.contains("--parallelism"), "a parallelism of 0 is refused: " + none);
        String some = FlinkJobWatch.lostSlots("127.0.0.1:8081", 2, 4);
        assertTrue(some.contains("rerun with --parallelism 2") && some.contains("restart the cluster"), some);
        assertTrue(FlinkJobWatch.lostSlots("h:1", 1, 2).contains("1 task slot left"));
    }
}
