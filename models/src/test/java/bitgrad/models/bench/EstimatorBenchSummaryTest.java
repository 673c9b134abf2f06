package bitgrad.models.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's summary figures from its batches: the line's ratio counts the sweep, the estimate's does not. */
class EstimatorBenchSummaryTest {

    @Test
    void ratiosCountTheirOwnFlopsOverTheirOwnSeconds() {
        // batch 0: 6 GFLOP estimate in 2 s, then a 1 s sweep of 3 GFLOP; batch 1: 6 GFLOP in 1 s, sweep 1 s
        List<EstimatorBench.BatchResult> batches = List.of(
                new EstimatorBench.BatchResult(0, 1f, 0.5f, 0.1f, 3.0, 1.0, 9e9, 6e9),
                new EstimatorBench.BatchResult(1, 1f, 0.5f, 0.1f, 2.0, 1.0, 9e9, 6e9));
        EstimatorBench.Summary s = new EstimatorBench.Summary(batches, 4.0);
        assertEquals(18.0 / 5 / 4, s.ratio(), 1e-12); // 18 GFLOP in 5 s at a 4 GFLOP/s matmul rate
        assertEquals(12.0 / 3 / 4, s.estimateRatio(), 1e-12); // 12 GFLOP of estimates in 3 s
        assertEquals(2.5, s.secondsPerGradient(), 1e-12);
        assertEquals(1.0, s.sweepSeconds(), 1e-12);
    }
}
