package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.nets.Mlp;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.QuantizerScale;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.objectives.ToyProblem;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Putting the quantizers' inputs on their scale: unit pre-activation std per hidden layer, the ternary levels used evenly, sign unchanged. */
class QuantizerScaleTest {

    static final GaussianBatch BATCH = GaussianBatch.of(5, 4096, 32);

    @Test
    void ternaryPreActivationsGetUnitStdAndFewerZeros() {
        MlpSpec spec = new MlpSpec(32, 3, Quantizer.parse("ternary"), false);
        ParamSet raw = Mlp.init(spec, 3);
        double[] before = QuantizerScale.preActivationStd(spec, raw, BATCH);
        assertEquals(1 / Math.sqrt(3), before[0], 0.03, "uniform(+-1/sqrt(32)) weights on N(0, 1) inputs: std sqrt(32 / (3 x 32))");
        Map<Float, Double> zerosBefore = QuantizerScale.occupancy(spec, raw, BATCH).get(0);
        assertTrue(zerosBefore.get(0f) > 0.55, "thresholds at +-0.5 on std 0.58 inputs: most first-layer outputs are 0: " + zerosBefore);
        ParamSet scaled = QuantizerScale.normalize(spec, raw, BATCH);
        double[] after = QuantizerScale.preActivationStd(spec, scaled, BATCH);
        for (double s : after) {
            assertEquals(1, s, 1e-3, "every hidden layer's pre-activation has unit std on the batch");
        }
        // N(0, 1) inputs to thresholds at +-0.5: P(|z| < 0.5) = 0.383
        assertEquals(0.383, QuantizerScale.occupancy(spec, scaled, BATCH).get(0).get(0f), 0.02);
        assertArrayEquals(raw.get(spec.depth()).data(), scaled.get(spec.depth()).data(), "the output layer is left as it is");
        // a different batch of the same distribution gives about the same scale: the frozen statistics generalise
        double[] other = QuantizerScale.preActivationStd(spec, scaled, GaussianBatch.of(6, 4096, 32));
        assertEquals(1, other[0], 0.05);
    }

    @Test
    void signIsScaleInvariantSoItsLossIsUnchanged() {
        MlpSpec spec = new MlpSpec(16, 2, Quantizer.parse("sign"), false);
        ToyProblem toy = new ToyProblem(spec, 4);
        GaussianBatch batch = GaussianBatch.of(7, 2048, 16);
        ParamSet scaled = QuantizerScale.normalize(spec, toy.student(), batch);
        try (TeacherStudentObjective raw = toy.objective(batch); TeacherStudentObjective normalised = toy.objective(scaled, batch)) {
            assertEquals(raw.loss(), normalised.loss(), 1e-5 * raw.loss(), "sign(W x / s) = sign(W x): the same function");
        }
        // and full precision is left alone
        MlpSpec fp = new MlpSpec(16, 2, Quantizer.parse("identity"), false);
        ParamSet w = Mlp.init(fp, 1);
        assertEquals(w, QuantizerScale.normalize(fp, w, batch));
    }
}
