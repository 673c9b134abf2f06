package bitgrad.models.estimators;

import bitgrad.models.Seeds;
import bitgrad.models.nets.Forward;
import bitgrad.models.objectives.GaussianBatch;
import bitgrad.models.objectives.TeacherStudentObjective;
import bitgrad.models.nets.MlpSpec;
import bitgrad.schemas.ParamSet;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * STE pretraining of the evaluate model (science.md §1): each step draws a fresh Gaussian batch
 * ({@code derive(seed, "step", i)}), takes the STE gradient and updates the weights with SGD or
 * Adam. A non-finite loss stops training with an error instead of producing garbage.
 *
 * @param optimizer {@code sgd} or {@code adam}
 * @param lr learning rate, > 0
 * @param steps number of updates, >= 0
 * @param batch rows per step, >= 1
 */
public record Pretrainer(String optimizer, double lr, int steps, int batch) {

    public Pretrainer {
        optimizer = HostOptimizer.check(optimizer, lr);
        if (steps < 0 || batch < 1) {
            throw new IllegalArgumentException("pretrain needs steps >= 0 and batch >= 1");
        }
    }

    /**
     * The trained weights and the loss before each update.
     *
     * @param weights the evaluate model after training
     * @param losses {@code losses[i]} is the training loss at step i (before its update)
     */
    public record Result(ParamSet weights, float[] losses) {

        /**
         * The relative loss decrease over the last 10% of the steps: mean loss of the 5% of steps
         * before that window against the mean of its last 5%; below 1% counts as a plateau.
         */
        public double lastTenthRelativeDecrease() {
            return lastTenthRelativeDecrease(losses);
        }

        /** The same for any loss curve. */
        public static double lastTenthRelativeDecrease(float[] losses) {
            int n = losses.length;
            int w = Math.max(1, n / 20);
            if (n < 4 * w) {
                return Double.NaN;
            }
            double before = mean(losses, n - 3 * w, n - 2 * w);
            double end = mean(losses, n - w, n);
            return (before - end) / before;
        }

        /** How small the relative change over the last tenth of the steps must be, either way, for a plateau. */
        public static final double PLATEAU = 0.01;

        /**
         * True when the loss neither fell nor rose by {@link #PLATEAU} (relative) over the last tenth of
         * the steps: a loss that rose is not at a plateau, however little it still falls.
         */
        public static boolean plateaued(float[] losses) {
            return Math.abs(lastTenthRelativeDecrease(losses)) < PLATEAU;
        }

        /** True when the final loss is more than 1.5 times the median of the last 10% of steps (ended on a spike). */
        public static boolean endsOnSpike(float[] losses) {
            int n = losses.length;
            int w = Math.max(1, n / 10);
            if (n < 2) {
                return false;
            }
            float[] tail = java.util.Arrays.copyOfRange(losses, n - w, n);
            java.util.Arrays.sort(tail);
            return losses[n - 1] > 1.5 * tail[tail.length / 2];
        }

        private static double mean(float[] v, int from, int to) {
            double s = 0;
            for (int i = from; i < to; i++) {
                s += v[i];
            }
            return s / (to - from);
        }
    }

    /**
     * Trains the evaluate model of shape {@code spec} from {@code start} against the FP
     * {@code teacher}; {@code progress} gets each finished step.
     */
    public Result train(MlpSpec spec, ParamSet teacher, ParamSet start, long seed, IntConsumer progress) {
        float[][] w = new float[start.count()][];
        float[][] m = new float[start.count()][];
        float[][] v = new float[start.count()][];
        for (int t = 0; t < start.count(); t++) {
            w[t] = start.get(t).data().clone();
            m[t] = new float[w[t].length];
            v[t] = new float[w[t].length];
        }
        float[] losses = new float[steps];
        for (int step = 0; step < steps; step++) {
            ParamSet point = start.map(t -> w[t]);
            GaussianBatch data = GaussianBatch.of(Seeds.derive(seed, "step", step), batch, spec.dim());
            Autograd.ValueAndGradient vg;
            try (TeacherStudentObjective o = new TeacherStudentObjective(spec, teacher, point, data)) {
                if (o.slices() != 1) {
                    throw new IllegalArgumentException("pretrain batch must fit one slice (" + GaussianBatch.DEFAULT_SLICE_ROWS
                            + " rows), got " + batch);
                }
                vg = Autograd.valueAndGradient(point, p -> o.sliceLoss(p, 0, Forward.STE));
            }
            losses[step] = vg.value();
            if (!Float.isFinite(vg.value())) {
                throw new ArithmeticException(String.format(Locale.ROOT,
                        "pretraining diverged: loss is %s at step %d (lower pretrain.lr, now %g)", vg.value(), step, lr));
            }
            for (int t = 0; t < w.length; t++) {
                HostOptimizer.update(optimizer, lr, step, w[t], m[t], v[t], vg.gradient()[t]);
            }
            progress.accept(step);
        }
        return new Result(start.map(t -> w[t]), losses);
    }
}
