package bitgrad.models.estimators;

import static org.junit.jupiter.api.Assertions.assertEquals;

import bitgrad.models.nets.MlpSpec;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Delta CDG builds a slice's host state in blocks of rows and scans a quantized layer's rows in
 * blocks (every unit on a block, blocks in parallel, their sums added in block order): the
 * estimate and the crossings do not depend on the block size beyond the rounding of double sums,
 * whether a slice is one block, a few, or several waves of many.
 */
class DeltaCdgBlocksTest {

    @ParameterizedTest
    @CsvSource({"sign,false", "ternary,false", "2bit,false", "sign,true", "ternary,true"})
    void blockSizeChangesNothing(String activation, boolean binaryWeights) {
        MlpSpec spec = new MlpSpec(6, 2, Quantizer.parse(activation), binaryWeights);
        ToyProblem toy = new ToyProblem(spec, 9);
        try (TeacherStudentObjective o = toy.objective(GaussianBatch.of(21, 3000, spec.dim()))) {
            CdgEstimator.Counted whole = DeltaCdg.estimateCounted(o, 0.1, 1 << 20);
            for (int block : new int[] {2048, 7}) { // two blocks; 429 blocks in seven waves
                CdgEstimator.Counted blocked = DeltaCdg.estimateCounted(o, 0.1, block);
                assertEquals(whole.crossings(), blocked.crossings(), "crossings, block " + block);
                ParamSet a = whole.gradient();
                ParamSet b = blocked.gradient();
                for (int t = 0; t < a.count(); t++) {
                    float[] x = a.get(t).data();
                    float[] y = b.get(t).data();
                    double scale = 0;
                    for (float v : x) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    for (int k = 0; k < x.length; k++) {
                        assertEquals(x[k], y[k], 1e-6 * scale, activation + " tensor " + t + " coordinate " + k + ", block " + block);
                    }
                }
            }
        }
    }
}
