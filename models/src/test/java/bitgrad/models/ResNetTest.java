package bitgrad.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.ConvCdg;
import bitgrad.models.estimators.ResNetTrainer;
import bitgrad.models.images.ImageSet;
import bitgrad.models.measure.Gradients;
import bitgrad.models.nets.ResNet;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ParamSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin XNOR-ResNet: batched conv CDG against autograd and against one-at-a-time evaluation; resumable training. */
class ResNetTest {

    static final ImageSet DATA = ImageSet.synthetic(3, 64);

    static int[] everyNth(int n, int step) {
        int[] out = new int[(n + step - 1) / step];
        for (int i = 0; i < out.length; i++) {
            out[i] = i * step;
        }
        return out;
    }

    static float[] pick(float[] all, int[] coords) {
        float[] out = new float[coords.length];
        for (int i = 0; i < coords.length; i++) {
            out[i] = all[coords[i]];
        }
        return out;
    }

    @Test
    void cdgMatchesAutogradWithFpActivations() {
        ResNet net = new ResNet(new ResNetSpec(4, Quantizer.parse("identity"), false));
        ParamSet w = net.init(5);
        ImageSet batch = DATA.head(16);
        for (int j : new int[] {0, 7, 14}) {
            int n = w.get(net.indexOf(ResNet.convName(j))).size();
            int[] coords = everyNth(n, Math.max(1, n / 60));
            float[] cdg = new ConvCdg(1e-2).estimate(net, w, batch, j, coords, done -> { });
            float[] ste = pick(ConvCdg.ste(net, w, batch, j), coords);
            double cos = Gradients.cosine(cdg, ste);
            assertTrue(cos > 0.99, "conv " + (j + 1) + ": cosine(CDG, autograd) = " + cos);
        }
    }

    @Test
    void batchedCopiesEqualSeparateForwardPasses() {
        ResNet net = new ResNet(new ResNetSpec(4, Quantizer.parse("sign"), true));
        ParamSet w = net.init(6);
        ImageSet batch = DATA.head(8);
        double eps = 0.05;
        for (int j : new int[] {0, 3, 14}) {
            int t = net.indexOf(ResNet.convName(j));
            int[] coords = {0, 5, w.get(t).size() - 1};
            float[] cdg = new ConvCdg(eps).estimate(net, w, batch, j, coords, done -> { });
            for (int i = 0; i < coords.length; i++) {
                int c = coords[i];
                float[] plus = w.get(t).data().clone();
                float[] minus = w.get(t).data().clone();
                plus[c] += (float) eps;
                minus[c] -= (float) eps;
                double lp = ConvCdg.loss(net, w.map(k -> k == t ? plus : w.get(k).data()), batch);
                double lm = ConvCdg.loss(net, w.map(k -> k == t ? minus : w.get(k).data()), batch);
                assertEquals((lp - lm) / (2 * eps), cdg[i], 1e-3, "conv " + (j + 1) + " coordinate " + c);
            }
        }
    }

    /** Guards the im2col backward: PyTorch's own CPU conv backward gave NaN or differing gradients here. */
    @Test
    void steGradientsAreFiniteAndRepeatable() {
        ResNet net = new ResNet(new ResNetSpec(2, Quantizer.parse("sign"), true));
        ParamSet w = net.init(1);
        ImageSet batch = DATA.head(32);
        float[] first = ConvCdg.ste(net, w, batch, 0);
        for (int rep = 0; rep < 8; rep++) {
            float[] g = ConvCdg.ste(net, w, batch, 0);
            for (float v : g) {
                assertTrue(Float.isFinite(v), "non-finite STE gradient in repeat " + rep);
            }
            assertArrayEquals(first, g, "STE gradient changed in repeat " + rep);
        }
    }

    @Test
    void trainingResumedFromACheckpointEqualsAnUninterruptedRun() {
        ResNet net = new ResNet(new ResNetSpec(2, Quantizer.parse("sign"), true));
        ResNetTrainer trainer = new ResNetTrainer("adam", 0.01, 4, 8);
        ResNetTrainer.State start = ResNetTrainer.State.start(net.init(1));
        List<ResNetTrainer.State> checkpoints = new ArrayList<>();
        ResNetTrainer.State full = trainer.train(net, start, DATA, 9, 2, checkpoints::add, s -> { });
        assertEquals(1, checkpoints.size());
        assertEquals(2, checkpoints.get(0).step());
        ResNetTrainer.State resumed = trainer.train(net, checkpoints.get(0), DATA, 9, 0, s -> { }, s -> { });
        assertTrue(full.weights().contentEquals(resumed.weights()), "resumed weights differ");
        assertArrayEquals(full.loss(), resumed.loss());
        for (float l : full.loss()) {
            assertTrue(Float.isFinite(l) && l > 0, "loss " + l);
        }
    }

    @Test
    void cifarFolderErrorsAreClear(@TempDir Path dir) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageSet.cifar10(dir.resolve("nope"), 4));
        assertTrue(e.getMessage().contains("no such folder"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ImageSet.cifar10(dir, 4));
        assertTrue(e.getMessage().contains("data_batch_1.bin"), e.getMessage());
        Files.write(dir.resolve("data_batch_1.bin"), new byte[100]);
        e = assertThrows(IllegalArgumentException.class, () -> ImageSet.cifar10(dir, 4));
        assertTrue(e.getMessage().contains("not a CIFAR-10 binary file"), e.getMessage());
        byte[] two = new byte[2 * 3073];
        two[0] = 3;
        two[3073] = 7;
        two[3073 + 1] = (byte) 255;
        Files.write(dir.resolve("data_batch_1.bin"), two);
        ImageSet s = ImageSet.cifar10(dir, 2);
        assertArrayEquals(new int[] {3, 7}, s.labels());
        assertEquals((1 - 0.4914) / 0.2470, s.pixels()[3072], 1e-5);
        assertThrows(IllegalArgumentException.class, () -> ImageSet.cifar10(dir, 3));
    }
}
