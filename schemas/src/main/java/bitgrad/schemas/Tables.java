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
     * Report table: per (variant, dim, estimator, layer restriction), the best decrease (mean, sd
     * over repeats) and its fraction of the best restriction's (ratio of the means; the whole step is
     * one of the restrictions).
     */
    public static final Schema LAST_LAYER = declare("last_layer", "variant", STRING, "dim", LONG, "estimator", STRING,
            "estimator_spec", STRING, "teacher", STRING, "update", STRING, "best_decrease_mean", DOUBLE, "best_decrease_sd", DOUBLE,
            "fraction_of_best", DOUBLE, "repeats", LONG);

    /**
     * Report table: per CDG estimate and layer, the level crossings each coordinate rests on, the
     * cosine with STE on the same model and batch, and the mean cosine with the same CDG setting on
     * the model's other batches (repeatability); null where there is nothing to compare with.
     */
    public static final Schema CDG_CROSSINGS = declare("cdg_crossings", "activation", STRING, "dim", LONG, "pretrained", LONG,
            "eps", DOUBLE, "layer", STRING, "crossings_per_coordinate", DOUBLE, "cosine_with_ste", DOUBLE, "repeatability", DOUBLE);

    /**
     * Report table: per (activation, dim, normalised or not, hidden layer, level), the share of the
     * layer's outputs at that level at init (mean over inits, on a Gaussian batch) and the layer's
     * pre-activation std.
     */
    public static final Schema LEVEL_OCCUPANCY = declare("level_occupancy", "activation", STRING, "dim", LONG, "normalized", LONG,
            "layer", STRING, "level", DOUBLE, "share", DOUBLE, "pre_activation_std", DOUBLE, "inits", LONG);

    /**
     * Report table: per (eps, layer) of question {@code cdg-crossings}, Spearman's rho of CDG's
     * repeatability against its crossings per coordinate with its 95 % bootstrap interval, the
     * permutation p and the Holm-adjusted p (null where the stratum has fewer than 10 points), and
     * rho of the cosine with STE.
     */
    public static final Schema CDG_CROSSINGS_STRATA = declare("cdg_crossings_strata", "eps", DOUBLE, "layer", STRING, "points", LONG,
            "spearman_repeatability", DOUBLE, "low", DOUBLE, "high", DOUBLE, "p", DOUBLE, "p_holm", DOUBLE, "points_ste", LONG,
            "spearman_ste", DOUBLE);

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

    /**
     * Report table: per (variant, dim, estimator, layer restriction), how many repeats fall in each
     * outcome of the smoothing question (the smoothed change counts where its t test survives
     * Benjamini-Hochberg over the run's cases; the true change is flat within 1e-6 of the loss).
     */
    public static final Schema SMOOTHING_OUTCOMES = declare("smoothing_outcomes", "variant", STRING, "dim", LONG, "estimator", STRING,
            "update", STRING, "both_fall", LONG, "smoothed_falls_true_rises", LONG, "smoothed_falls_true_flat", LONG,
            "true_falls_smoothed_rises", LONG, "smoothed_within_noise", LONG, "smoothed_rises_true_not_falling", LONG);

    /**
     * Report table of question {@code nes-after-pretraining}: per (variant, dim, estimator family),
     * over its estimates: the share whose best step lowers the gradient batch's loss
     * ({@code descends}) and the held-out loss at that lr; the share that descends on the batch but
     * not on the held-out batch ({@code batch_only}); the mean linear and quadratic terms of the
     * decrease-vs-lr fit ({@code slope}, {@code curvature}); for NES its signal-to-noise ratio at the
     * largest nested count, the mean projection of single estimates on the CDG direction in units
     * of its spread over seeds ({@code proj_cdg_z}), and the share of its steps (as long as sigma) where the smoothed loss
     * falls while the true loss does not (null where not measured).
     */
    public static final Schema NES_PRETRAINING = declare("nes_pretraining", "variant", STRING, "dim", LONG, "family", STRING,
            "estimates", LONG, "descends", DOUBLE, "heldout_descends", DOUBLE, "batch_only", DOUBLE, "slope", DOUBLE, "curvature",
            DOUBLE, "snr", DOUBLE, "proj_cdg_z", DOUBLE, "smoothed_only", DOUBLE);

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

    /** Report table: best decrease per (variant, dim, estimator), mean and spread over repeats; the rates swept (the grid, extended where a best rate sat at an end) and how many repeats still have their best rate at an end (unresolved). */
    public static final Schema BEST_SETTINGS = declare("best_settings", "variant", STRING, "activation", STRING, "rows", LONG,
            "pretrained", LONG, "dim", LONG, "estimator", STRING, "estimator_spec", STRING, "family", STRING, "eps", DOUBLE, "sigma",
            DOUBLE, "samples", LONG, "tau", DOUBLE, "k", LONG, "perturbation_norm", DOUBLE, "best_decrease_mean", DOUBLE, "best_decrease_sd", DOUBLE,
            "heldout_decrease_mean", DOUBLE, "heldout_decrease_sd", DOUBLE, "best_lr_mean", DOUBLE, "lr_swept_low", DOUBLE,
            "lr_swept_high", DOUBLE, "repeats_at_edge", LONG, "repeats", LONG, "nominal_gflop", DOUBLE);

    /** Report table: the best setting of every estimator family (NES per sample count). */
    public static final Schema BEST_HYPERPARAMETERS = declare("best_hyperparameters", "variant", STRING, "dim", LONG, "family",
            STRING, "best_setting", STRING, "best_setting_spec", STRING, "best_decrease_mean", DOUBLE, "best_decrease_sd", DOUBLE,
            "heldout_decrease_mean", DOUBLE, "heldout_decrease_sd", DOUBLE, "repeats", LONG);

    /** Report table: whether each pretraining had plateaued (relative decrease over its last 10% of steps) or ended on a spike. */
    public static final Schema PRETRAIN_PLATEAU = declare("pretrain_plateau", "dim", LONG, "model", LONG, "steps", LONG, "final_loss",
            DOUBLE, "last_tenth_relative_decrease", DOUBLE, "plateaued", STRING, "ends_on_spike", STRING);

    /**
     * Report table: cosine(CDG, STE) per activation, eps, dim and layer (mean, sd over repeats) and
     * the mean number of rows whose perturbed unit changes level per coordinate and sign (and as a
     * fraction of the rows).
     */
    public static final Schema MISMATCH = declare("mismatch", "activation", STRING, "eps", DOUBLE, "dim", LONG, "layer", STRING,
            "cosine_cdg_ste", DOUBLE, "cosine_sd", DOUBLE, "repeats", LONG, "crossings_per_coordinate", DOUBLE, "crossing_fraction",
            DOUBLE);

    /**
     * Report table: the sr-STE forward x backward factorial per (variant, dim, tau, k): each cell's
     * best decrease and its paired gain over STE (mean and standard error over repeats), and the
     * mean |p - 0.5| of the rounding probabilities per hidden layer (comma-separated, first layer first).
     */
    public static final Schema SR_STE_FACTORIAL = declare("sr_ste_factorial", "variant", STRING, "rows", LONG, "pretrained", LONG,
            "dim", LONG, "tau", DOUBLE, "k", LONG, "forward", STRING, "backward", STRING, "best_decrease_mean", DOUBLE,
            "best_decrease_sd", DOUBLE, "gain_over_ste_mean", DOUBLE, "gain_over_ste_se", DOUBLE, "repeats", LONG, "p_offset", STRING);

    /** Report table: every estimator's cosine with every CDG eps, per tensor and over all (normalised), mean and spread over repeats. */
    public static final Schema COSINE_WITH_CDG = declare("cosine_with_cdg", "variant", STRING, "dim", LONG, "reference", STRING,
            "estimator", STRING, "estimator_spec", STRING, "tensor", STRING, "cosine_mean", DOUBLE, "cosine_sd", DOUBLE, "repeats", LONG);

    /** Report table: cosine(CDG, STE) per ResNet case, layer and eps. */
    public static final Schema RESNET_COSINE = declare("resnet_cosine", "channels", LONG, "weights", STRING, "activation", STRING,
            "layer", LONG, "eps", DOUBLE, "coords", LONG, "coords_total", LONG, "cosine", DOUBLE);

    /** Report table: one ResNet case's cosines. */
    public static final Schema RESNET_CASE = declare("resnet_case", "layer", LONG, "eps", DOUBLE, "coords", LONG, "coords_total",
            LONG, "cosine", DOUBLE);

    /**
     * The report's content, in page order: per section (a stage name), its figures, tables, HTML
     * fragments and headline lines ({@code kind}); {@code name} is the figure or table file stem.
     */
    public static final Schema REPORT_SECTIONS = declare("report_sections", "section", STRING, "kind", STRING, "name", STRING,
            "title", STRING, "body", STRING);

    private Tables() {
    }
}
