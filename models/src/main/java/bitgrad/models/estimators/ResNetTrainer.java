package bitgrad.models.estimators;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import bitgrad.models.Seeds;
import bitgrad.models.images.ImageSet;
import bitgrad.models.nets.Forward;
import bitgrad.models.nets.ResNet;
import bitgrad.schemas.ParamSet;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * STE pretraining of the thin XNOR-ResNet on an image set: step {@code i} takes the STE
 * gradient of the cross-entropy on {@code batch} images drawn from {@code derive(seed, "step", i)}
 * and updates every parameter with SGD or Adam. Training can stop after any step and resume
 * from the {@link State} it handed out, with the same result as an uninterrupted run.
 *
 * @param optimizer {@code sgd} or {@code adam}
 * @param lr learning rate, > 0
 * @param steps total number of updates, >= 0
 * @param batch images per step, >= 1
 */
public record ResNetTrainer(String optimizer, double lr, int steps, int batch) {

    public ResNetTrainer {
        optimizer = HostOptimizer.check(optimizer, lr);
        if (steps < 0 || batch < 1) {
            throw new IllegalArgumentException("resnet pretraining needs steps >= 0 and batch >= 1");
        }
    }

    /**
     * Everything training needs to continue after {@code step} updates.
     *
     * @param step updates done
     * @param weights the parameters
     * @param m Adam's first moments (zeros for sgd)
     * @param v Adam's second moments
     * @param loss training loss of each step done, before its update
     * @param accuracy training accuracy of each step done, on its batch before its update
     */
    public record State(int step, ParamSet weights, ParamSet m, ParamSet v, float[] loss, float[] accuracy) {

        /** The state before the first update from {@code init}. */
        public static State start(ParamSet init) {
            return new State(0, init, init.zerosLike(), init.zerosLike(), new float[0], new float[0]);
        }
    }

    /** The images of step {@code step}: {@code batch} indices drawn with replacement from {@code n}. */
    public int[] batchIndex(long seed, int step, int n) {
        SplittableRandom r = new SplittableRandom(Seeds.derive(seed, "step", step));
        int[] idx = new int[batch];
        for (int i = 0; i < batch; i++) {
            idx[i] = r.nextInt(n);
        }
        return idx;
    }

    /**
     * Trains from {@code state} until {@link #steps} updates are done.
     *
     * @param every hand a state to {@code checkpoint} after every {@code every} steps (0: never)
     * @param progress gets each finished step
     * @throws ArithmeticException when the loss stops being finite
     */
    public State train(ResNet net, State state, ImageSet data, long seed, int every, Consumer<State> checkpoint,
            IntConsumer progress) {
        ParamSet start = state.weights();
        float[][] w = copy(start);
        float[][] m = copy(state.m());
        float[][] v = copy(state.v());
        float[] loss = Arrays.copyOf(state.loss(), steps);
        float[] acc = Arrays.copyOf(state.accuracy(), steps);
        for (int step = state.step(); step < steps; step++) {
            ImageSet b = data.select(batchIndex(seed, step, data.count()));
            float[] correct = new float[1];
            Autograd.ValueAndGradient vg = Autograd.valueAndGradient(start.map(t -> w[t]), ps -> {
                NDList in = ResNet.inputs(ps.get(0).getManager(), b);
                NDArray logits = net.logits(ps, in.get(0), Forward.STE, 1);
                correct[0] = accuracy(logits.stopGradient(), b.labels());
                return ResNet.copyLosses(logits, in.get(1), 1).sum();
            });
            if (!Float.isFinite(vg.value())) {
                throw new ArithmeticException(String.format(Locale.ROOT,
                        "resnet pretraining diverged: loss is %s at step %d (lower resnet.lr, now %g)", vg.value(), step, lr));
            }
            loss[step] = vg.value();
            acc[step] = correct[0];
            for (int t = 0; t < w.length; t++) {
                HostOptimizer.update(optimizer, lr, step, w[t], m[t], v[t], vg.gradient()[t]);
            }
            progress.accept(step);
            if (every > 0 && (step + 1) % every == 0 && step + 1 < steps) {
                checkpoint.accept(snapshot(start, step + 1, w, m, v, loss, acc));
            }
        }
        return snapshot(start, steps, w, m, v, loss, acc);
    }

    private static State snapshot(ParamSet like, int step, float[][] w, float[][] m, float[][] v, float[] loss, float[] acc) {
        return new State(step, like.map(t -> w[t].clone()), like.map(t -> m[t].clone()), like.map(t -> v[t].clone()),
                Arrays.copyOf(loss, step), Arrays.copyOf(acc, step));
    }

    private static float[][] copy(ParamSet p) {
        float[][] out = new float[p.count()][];
        for (int t = 0; t < p.count(); t++) {
            out[t] = p.get(t).data().clone();
        }
        return out;
    }

    /** Fraction of rows whose largest score is the label. */
    static float accuracy(NDArray logits, int[] labels) {
        float[] s = logits.toFloatArray();
        int k = (int) logits.getShape().get(1);
        int hit = 0;
        for (int i = 0; i < labels.length; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) {
                best = s[i * k + c] > s[i * k + best] ? c : best;
            }
            hit += best == labels[i] ? 1 : 0;
        }
        return hit / (float) labels.length;
    }
}
