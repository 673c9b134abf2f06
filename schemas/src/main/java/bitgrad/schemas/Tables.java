package bitgrad.schemas;

import static bitgrad.schemas.ColumnType.DOUBLE;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.STRING;

import java.util.Arrays;

/**
 * Every table schema bitgrad writes, declared once: stages and the report create their tables
 * from these declarations, and readers find the same names here. An estimator is always two
 * columns: {@code estimator}, a label for people, and {@code estimator_spec}, its JSON spec
 * (decode it, never the label).
 */
public final class Tables {

    /** A declared table schema: its kind (stored as {@code bitgrad.kind}) and its columns in order. */
    public record Schema(String kind, Object[] namesAndTypes) {

        /** An empty table of this schema. */
        public ColumnTable empty() {
            return new ColumnTable(kind, namesAndTypes);
        }

        /** True when {@code t} has this kind and exactly these columns. */
        public boolean matches(ColumnTable t) {
            return t.kind().equals(kind) && t.columns().equals(empty().columns());
        }

        @Override
        public String toString() {
            return kind + Arrays.toString(namesAndTypes);
        }
    }

    private static Schema declare(String kind, Object... namesAndTypes) {
        return new Schema(kind, namesAndTypes);
    }

    /** Tensors: one row per tensor (name, shape, row-major values). */
    public static final Schema TENSORS = declare(Schemas.TENSORS, "name", STRING, "shape", ColumnType.LONG_LIST, "values",
            ColumnType.FLOAT_LIST);

    /** A data batch: one row per sample, {@code x} its input vector. */
    public static final Schema DATA = declare(Schemas.DATA, "x", ColumnType.FLOAT_LIST);

    /** Pretraining loss per step. */
    public static final Schema PRETRAIN_CURVE = declare("pretrain_curve", "step", LONG, "loss", DOUBLE);

    /** Loss and decrease at every lr of the grid, per estimator. */
    public static final Schema LR_CURVE = declare("lr_curve", "dim", LONG, "activation", STRING, "rows", LONG, "init", LONG, "batch",
            LONG, "pretrained", LONG, "estimator", STRING, "estimator_spec", STRING, "family", STRING, "lr", DOUBLE, "loss", DOUBLE,
            "decrease", DOUBLE, "heldout_loss", DOUBLE, "heldout_decrease", DOUBLE);

    /**
     * Best decrease and lr per estimator on the gradient's batch; on the held-out batch the
     * decrease at that lr ({@code heldout_decrease}, the fair number) and at its own best lr; the
     * size of the estimator's weight perturbation; the rates actually swept ({@code lr_low ..
     * lr_high}: the grid, extended where the best rate sat at an end) and {@code at_edge} = 1 when
     * the best rate still sits at an end of them (the limit was reached: unresolved).
     */
    public static final Schema LR_BEST = declare("lr_best", "dim", LONG, "activation", STRING, "rows", LONG, "init", LONG, "batch",
            LONG, "pretrained", LONG, "estimator", STRING, "estimator_spec", STRING, "family", STRING, "base_loss", DOUBLE,
            "best_decrease", DOUBLE, "best_lr", DOUBLE, "nominal_flops", DOUBLE, "heldout_base_loss", DOUBLE, "heldout_decrease",
            DOUBLE, "heldout_best_decrease", DOUBLE, "perturbation_norm", DOUBLE, "lr_low", DOUBLE, "lr_high", DOUBLE, "at_edge", LONG);

    /**
     * The best decrease of one estimate's step restricted to a set of layers ({@code update}:
     * {@code layer0} .. {@code layerL} alone, {@code hidden} = every layer but the output one,
     * {@code all}), with the lr it needs (the grid extended past an end while the best rate sat
     * there; {@code at_edge} = 1: still at an end, unresolved) and the held-out decrease at that
     * lr; {@code teacher} names the task's teacher.
     */
    public static final Schema LAYER_SWEEP = declare("layer_sweep", "dim", LONG, "activation", STRING, "rows", LONG, "init", LONG,
            "batch", LONG, "pretrained", LONG, "estimator", STRING, "estimator_spec", STRING, "family", STRING, "teacher", STRING,
            "update", STRING, "base_loss", DOUBLE, "best_decrease", DOUBLE, "best_lr", DOUBLE, "heldout_decrease", DOUBLE, "at_edge", LONG);

    /**
     * Along one estimate's normalised step restricted to a set of layers ({@code update} as in
     * {@code layer_sweep}), scaled to unit norm and of length {@code step} (the scale): the true loss change and
     * the change of the loss Gaussian-smoothed at the estimator's own scale (CDG eps, NES sigma),
     * estimated over {@code samples} common draws, with its standard error; the loss at the point
     * ({@code base_loss}). Negative = downhill.
     */
    public static final Schema SMOOTHING = declare("smoothing", "dim", LONG, "activation", STRING, "rows", LONG, "init", LONG,
            "batch", LONG, "pretrained", LONG, "estimator", STRING, "estimator_spec", STRING, "family", STRING, "update", STRING,
            "scale", DOUBLE, "step", DOUBLE, "true_change", DOUBLE, "smoothed_change", DOUBLE, "smoothed_se", DOUBLE, "samples", LONG,
            "base_loss", DOUBLE);

    /**
     * NES's signal against its noise at one grid point, per nested sample count {@code samples}
     * over {@code seeds} independent seeds: {@code mean_norm} the norm of the seeds' mean estimate,
     * {@code spread} the root mean squared distance of one estimate from the mean, {@code signal}
     * the mean's norm with the noise it still carries removed ({@code sqrt(max(0, mean_norm^2 -
     * spread^2/seeds))}), {@code snr = signal / spread}; the projections of single estimates on the
     * unit CDG and STE directions (mean and standard deviation over seeds, null without that
     * reference) and their cosines; {@code weights} the model's weight count d and
     * {@code snr_smooth = sqrt(samples / (d + 1))}, the ratio NES has on a locally linear loss.
     */
    public static final Schema NES_SNR = declare("nes_snr", "dim", LONG, "activation", STRING, "rows", LONG, "init", LONG, "batch",
            LONG, "pretrained", LONG, "sigma", DOUBLE, "samples", LONG, "seeds", LONG, "mean_norm", DOUBLE, "spread", DOUBLE, "signal",
            DOUBLE, "snr", DOUBLE, "proj_cdg_mean", DOUBLE, "proj_cdg_sd", DOUBLE, "proj_ste_mean", DOUBLE, "proj_ste_sd", DOUBLE,
            "cos_cdg_mean", DOUBLE, "cos_ste_mean", DOUBLE, "weights", LONG, "snr_smooth", DOUBLE);

    /** Cosine between two estimators, per tensor and over all ({@code tensor = all}). */
    public static final Schema COSINE = declare("cosine", "a", STRING, "a_spec", STRING, "b", STRING, "b_spec", STRING, "tensor",
            STRING, "cosine", DOUBLE);

    /** A Rosenbrock descent: f, distance to all-ones, cosine with the analytic gradient and eps or sigma per recorded step. */
    public static final Schema ROSENBROCK_PATH = declare("rosenbrock_path", "step", LONG, "f", DOUBLE, "distance", DOUBLE, "cosine",
            DOUBLE, "perturbation", DOUBLE);

    /** The Rosenbrock gradient check: one estimate against the analytic gradient at a fixed point. */
    public static final Schema GRADCHECK = declare("gradcheck", "point", STRING, "family", STRING, "eps", DOUBLE, "sigma", DOUBLE,
            "samples", LONG, "relative_error", DOUBLE, "cosine", DOUBLE, "gradient_norm", DOUBLE, "rounding", DOUBLE);

    /** Log-log slopes of the gradient check's error: against eps for CDG, against samples for NES (per sigma). */
    public static final Schema GRADCHECK_SLOPE = declare("gradcheck_slope", "point", STRING, "family", STRING, "sigma", DOUBLE,
            "slope", DOUBLE, "expected", DOUBLE);

    /**
     * The NES max-point probe: each sample point {@code w +- sigma u_k} of the NES estimate (its
     * own directions), its decrease at radius sigma, and the decrease of its normalised direction
     * stepped at NES's own best lr, with cosines to the STE, CDG and NES estimates.
     */
    public static final Schema PROBE_NES = declare("probe_nes", "direction", LONG, "sign", LONG, "point_decrease", DOUBLE,
            "step_decrease", DOUBLE, "cosine_ste", DOUBLE, "cosine_cdg", DOUBLE, "cosine_nes", DOUBLE, "heldout_step_decrease", DOUBLE);

    /** The probes' estimators, each at its own best lr (chosen on the batch; its held-out decrease; at_edge as in lr_best). */
    public static final Schema PROBE_BEST = declare("probe_best", "estimator", STRING, "estimator_spec", STRING, "best_lr", DOUBLE,
            "best_decrease", DOUBLE, "heldout_decrease", DOUBLE, "at_edge", LONG);

    /** The search for a steeper direction near STE, per radius; the best candidate (chosen on the batch) and STE on held-out rows. */
    public static final Schema PROBE_SEARCH = declare("probe_search", "radius", DOUBLE, "best_decrease", DOUBLE, "mean_decrease",
            DOUBLE, "cosine_best_ste", DOUBLE, "cosine_best_cdg", DOUBLE, "ste_decrease", DOUBLE, "best_heldout_decrease", DOUBLE,
            "ste_heldout_decrease", DOUBLE);

    /** An sr-STE update measured with the vanilla sign and with the stochastic forward. */
    public static final Schema PROBE_SR_UPDATE = declare("probe_sr_update", "lr", DOUBLE, "vanilla_decrease", DOUBLE,
            "stochastic_decrease", DOUBLE);

    /** The run's best decreases, one row per (dim, activation, rows, init, batch, pretrained, estimator). */
    public static final Schema SUMMARY = declare("summary", "dim", LONG, "activation", STRING, "rows", LONG, "init", LONG, "batch",
            LONG, "pretrained", LONG, "estimator", STRING, "estimator_spec", STRING, "family", STRING, "eps", DOUBLE, "sigma", DOUBLE,
            "samples", LONG, "tau", DOUBLE, "k", LONG, "base_loss", DOUBLE, "best_decrease", DOUBLE,
            "best_lr", DOUBLE, "nominal_flops", DOUBLE, "heldout_base_loss", DOUBLE, "heldout_decrease", DOUBLE,
            "heldout_best_decrease", DOUBLE, "perturbation_norm", DOUBLE, "lr_low", DOUBLE, "lr_high", DOUBLE, "at_edge", LONG);

    /** The run's cosines with the grid point they belong to. */
    public static final Schema SUMMARY_COSINE = declare("summary_cosine", "dim", LONG, "activation", STRING, "rows", LONG, "init",
            LONG, "batch", LONG, "pretrained", LONG, "a", STRING, "a_spec", STRING, "b", STRING, "b_spec", STRING, "tensor", STRING,
            "cosine", DOUBLE);

    /** The end of every Rosenbrock descent. */
    public static final Schema SUMMARY_ROSENBROCK = declare("summary_rosenbrock", "start", LONG, "estimator", STRING,
            "estimator_spec", STRING, "optimizer", STRING, "steps", LONG, "final_f", DOUBLE, "distance_to_min", DOUBLE,
            "mean_cosine", DOUBLE, "final_cosine", DOUBLE);

    /** ResNet pretraining loss and accuracy per step. */
    public static final Schema RESNET_PRETRAIN_CURVE = declare("resnet_pretrain_curve", "step", LONG, "loss", DOUBLE, "accuracy",
            DOUBLE);

    /** STE and CDG gradient of one ResNet conv per (flat) coordinate. */
    public static final Schema RESNET_GRADIENTS = declare("resnet_gradients", "coord", LONG, "ste", DOUBLE, "cdg", DOUBLE);

    private Tables() {
    }
}
