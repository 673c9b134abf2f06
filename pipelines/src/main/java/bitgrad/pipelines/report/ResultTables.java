package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.models.estimators.NesEstimator;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The run's results: every setting's best decrease (mean and spread over repeats), the best
 * setting per family, every cosine, and one {@code result} headline per (grid point, estimator).
 */
final class ResultTables implements Part {

    /** Report table: best decrease per (variant, dim, estimator), mean and spread over repeats; the rates swept (the grid, extended where a best rate sat at an end) and how many repeats still have their best rate at an end (unresolved) and how many found no rate that lowers the loss. */
    static final Tables.Schema BEST_SETTINGS = new Tables.Schema("best_settings", new Object[] {"variant", STRING, "activation", STRING, "rows", LONG,
            "pretrained", LONG, "dim", LONG, "estimator", STRING, "estimator_spec", STRING, "family", STRING, "eps", DOUBLE, "sigma",
            DOUBLE, "samples", LONG, "tau", DOUBLE, "k", LONG, "perturbation_norm", DOUBLE, "best_decrease_mean", DOUBLE, "best_decrease_sd", DOUBLE,
            "heldout_decrease_mean", DOUBLE, "heldout_decrease_sd", DOUBLE, "best_lr_mean", DOUBLE, "lr_swept_low", DOUBLE,
            "lr_swept_high", DOUBLE, "repeats_at_edge", LONG, "repeats_no_descent", LONG, "repeats", LONG, "nominal_gflop", DOUBLE});
    /** Report table: the best setting of every estimator family (NES per sample count). */
    static final Tables.Schema BEST_HYPERPARAMETERS = new Tables.Schema("best_hyperparameters", new Object[] {"variant", STRING, "dim", LONG, "family",
            STRING, "best_setting", STRING, "best_setting_spec", STRING, "best_decrease_mean", DOUBLE, "best_decrease_sd", DOUBLE,
            "heldout_decrease_mean", DOUBLE, "heldout_decrease_sd", DOUBLE, "repeats", LONG});

    /** The section the page shows first. */
    static final String SECTION = "results";

    /** Bumped whenever what this part files changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 4;
    }

    @Override
    public void render(ReportContext c) throws IOException {
        List<Cells.Cell> cells = c.cells();
        if (cells.isEmpty()) {
            return;
        }
        ColumnTable hp = BEST_HYPERPARAMETERS.empty();
        Map<String, Cells.Cell> bestOf = new TreeMap<>();
        Map<String, String> familyOf = new TreeMap<>();
        for (Cells.Cell cell : cells) {
            String fam = cell.spec() instanceof NesEstimator nes ? "nes n=" + nes.samples() : cell.spec().family();
            String k = cell.variant() + "|" + String.format(Locale.ROOT, "%05d", cell.dim()) + "|" + fam;
            familyOf.put(k, fam);
            bestOf.merge(k, cell, (x, y) -> x.mean() >= y.mean() ? x : y);
        }
        bestOf.forEach((k, cell) -> hp.add(cell.variant(), cell.dim(), familyOf.get(k), cell.estimator(), cell.spec().specJson(),
                cell.mean(), cell.sd(), cell.heldoutMean(), cell.heldoutSd(), (long) cell.best().size()));
        c.table(SECTION, "Best hyperparameter per family", hp);
        ColumnTable best = BEST_SETTINGS.empty();
        for (Cells.Cell cell : cells) {
            // the rates the cell's sweeps actually ran (the grid, extended where a best rate sat at an end); a best lr
            // still at an end of them is not a best lr: the headline says unresolved (the findings claim nothing on it)
            String range = " lr_range=" + plain(cell.sweptLow()) + ".." + plain(cell.sweptHigh())
                    + (cell.atEdge() > 0 ? " unresolved=grid-edge" : "");
            Object[] typed = cell.spec().typedColumns();
            best.add(cell.variant(), cell.activation(), cell.rows(), cell.pretrained(), cell.dim(), cell.estimator(), cell.spec().specJson(),
                    cell.spec().family(), typed[0], typed[1], typed[2], typed[3], typed[4], cell.perturbationNorm(), cell.mean(), cell.sd(),
                    cell.heldoutMean(), cell.heldoutSd(), cell.meanLr(), cell.sweptLow(), cell.sweptHigh(), cell.atEdge(),
                    (long) cell.noDescent(), (long) cell.best().size(), cell.flops() / 1e9);
            c.headline(SECTION, String.format(Locale.ROOT, "result dim=%d activation=%s rows=%d pretrained=%d estimator=%s "
                    + "best_decrease=%.6g heldout_decrease=%.6g best_lr=%s repeats=%d%s%s", cell.dim(), cell.activation(), cell.rows(),
                    cell.pretrained(), cell.estimator(), cell.mean(), cell.heldoutMean(),
                    cell.lr().isEmpty() ? "none" : String.format(Locale.ROOT, "%.4g", cell.meanLr()),
                    cell.best().size(), cell.noDescent() > 0 ? " no_descent=" + cell.noDescent() : "", range));
        }
        c.table(SECTION, "Every setting", best);
        ColumnTable cosine = c.cosines();
        c.html("lr-sweep", "<details><summary>All cosines (" + cosine.rows() + " rows)</summary>" + Html.table(cosine) + "</details>");
    }

    /** A rate to 4 significant digits, without trailing zeros or an exponent ({@code 0.0001}, {@code 0.0999}). */
    static String plain(double x) {
        return new java.math.BigDecimal(x).round(new java.math.MathContext(4)).stripTrailingZeros().toPlainString();
    }
}
