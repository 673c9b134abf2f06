package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.DOUBLE;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import bitgrad.transforms.ResNetGradStage;
import bitgrad.transforms.ResNetPretrainStage;
import bitgrad.transforms.Stages;
import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The ResNet experiment's figures (pretraining curves, CDG-vs-STE scatter per layer), its cosine table and headlines. */
final class ResNetPart implements Part {

    /** Report table: cosine(CDG, STE) per ResNet case, layer and eps. */
    static final Tables.Schema RESNET_COSINE = new Tables.Schema("resnet_cosine", new Object[] {"channels", LONG, "weights", STRING, "activation", STRING,
            "layer", LONG, "eps", DOUBLE, "coords", LONG, "coords_total", LONG, "cosine", DOUBLE});
    /** Report table: one ResNet case's cosines. */
    static final Tables.Schema RESNET_CASE = new Tables.Schema("resnet_case", new Object[] {"layer", LONG, "eps", DOUBLE, "coords", LONG, "coords_total",
            LONG, "cosine", DOUBLE});

    /** Bumped whenever what this part files changes (see {@link Part#version}). */
    @Override
    public int version() {
        return 2;
    }

    /** What the notes say of this experiment, shown above its results. */
    static final String ABOLISHED = "The research notes mark the ResNet experiment ABOLISHED: the group stopped it and draws no"
            + " conclusion from it. bitgrad keeps it runnable as a check that CDG and STE behave on convolutions as on the MLP;"
            + " read its numbers as that check, not as one of the notes' results.";

    @Override
    public void render(ReportContext c) throws IOException {
        if (c.keys(Stages.RESNET_PRETRAIN.name()).isEmpty() && c.keys(Stages.RESNET_GRAD.name()).isEmpty()) {
            return;
        }
        c.html(Stages.RESNET_GRAD.name(), "<p class=bad><b>Abolished in the notes.</b> " + Html.esc(ABOLISHED) + "</p>");
        pretrainCurves(c);
        gradients(c);
    }

    private static String weights(JsonNode model) {
        return model.path("binary_weights").asBoolean() ? "binary weights" : "FP weights";
    }

    private static String caseName(JsonNode model) {
        return "channels=" + model.path("channels").asInt() + ", " + weights(model) + ", " + model.path("activation").asText() + " activations";
    }

    /** Loss and accuracy of every pretrained ResNet, one line per case. */
    private static void pretrainCurves(ReportContext c) throws IOException {
        List<String> keys = c.keys(Stages.RESNET_PRETRAIN.name());
        if (keys.isEmpty()) {
            return;
        }
        XYChart loss = Figures.lines("ResNet STE pretraining: training loss", "step", "cross-entropy on the step's batch (log scale)");
        XYChart acc = Figures.lines("ResNet STE pretraining: training accuracy", "step", "accuracy on the step's batch");
        loss.getStyler().setYAxisLogarithmic(true);
        int i = 0;
        for (String k : keys) {
            JsonNode model = c.params(Stages.RESNET_PRETRAIN.name(), k).path("model");
            ColumnTable t = c.table(Stages.RESNET_PRETRAIN.name(), k, ResNetPretrainStage.CURVE.file());
            if (t.rows() == 0) {
                continue;
            }
            double[] x = new double[t.rows()];
            double[] l = new double[t.rows()];
            double[] a = new double[t.rows()];
            for (int r = 0; r < t.rows(); r++) {
                x[r] = t.getLong("step", r);
                l[r] = Math.max(1e-6, t.getDouble("loss", r));
                a[r] = t.getDouble("accuracy", r);
            }
            Figures.line(loss, caseName(model), x, l, i);
            Figures.line(acc, caseName(model), x, a, i);
            i++;
        }
        if (i == 0) {
            return;
        }
        List<String> images = c.keys(Stages.IMAGE_DATA.name());
        String data = !images.isEmpty() && c.params(Stages.IMAGE_DATA.name(), images.get(0)).path("source").asText().equals("cifar10")
                ? "CIFAR-10 training images" : "the synthetic image set";
        c.figure(Stages.RESNET_PRETRAIN.name(), loss, "resnet_pretrain_loss", "ResNet pretraining loss",
                "Training loss (before each update) of every thin XNOR-ResNet-18 case on " + data + ".");
        c.figure(Stages.RESNET_PRETRAIN.name(), acc, "resnet_pretrain_accuracy", "ResNet pretraining accuracy",
                "Training accuracy on each step's batch (batch-norm batch statistics) on " + data + ".");
    }

    /** One scatter of CDG vs STE per (case, layer, eps); returns the cosine table (also written to tables/resnet_cosine.arrow). */
    private static void gradients(ReportContext c) throws IOException {
        ColumnTable cos = RESNET_COSINE.empty();
        for (String k : c.keys(Stages.RESNET_GRAD.name())) {
            JsonNode task = c.params(Stages.RESNET_GRAD.name(), k);
            JsonNode model = task.path("model");
            ColumnTable t = c.table(Stages.RESNET_GRAD.name(), k, ResNetGradStage.GRADIENTS.file());
            double[] ste = new double[t.rows()];
            double[] cdg = new double[t.rows()];
            double lo = 0;
            double hi = 0;
            for (int r = 0; r < t.rows(); r++) {
                ste[r] = t.getDouble("ste", r);
                cdg[r] = t.getDouble("cdg", r);
                lo = Math.min(lo, ste[r]);
                hi = Math.max(hi, ste[r]);
            }
            Map<String, Object> info = c.info(Stages.RESNET_GRAD.name(), k);
            double cosine = ((Number) info.get("cosine")).doubleValue();
            int layer = task.path("layer").asInt();
            double eps = task.path("eps").asDouble();
            long total = ((Number) info.get("coords_total")).longValue();
            cos.add((long) model.path("channels").asInt(), model.path("binary_weights").asBoolean() ? "binary" : "fp",
                    model.path("activation").asText(), (long) layer, eps, (long) t.rows(), total, cosine);
            XYChart chart = Figures.lines(String.format(Locale.ROOT, "binary conv %d, %s: cosine(CDG, STE) = %.3f", layer, caseName(model), cosine),
                    "STE gradient", "CDG gradient (eps=" + eps + ")");
            XYSeries pts = chart.addSeries("weights (" + t.rows() + " of " + total + ")", ste.length == 0 ? new double[] {0} : ste,
                    cdg.length == 0 ? new double[] {0} : cdg);
            pts.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            pts.setMarker(SeriesMarkers.CIRCLE);
            pts.setMarkerColor(new Color(31, 119, 180, 150));
            chart.getStyler().setMarkerSize(5);
            // the diagonal spans the STE range only, so each axis keeps its own scale (CDG on a discrete net is often far larger)
            XYSeries diag = Figures.line(chart, "y = x", new double[] {lo, hi}, new double[] {lo, hi}, 3);
            diag.setLineWidth(1f);
            String name = String.format(Locale.ROOT, "resnet_scatter_c%d_%s_l%d_eps%s", model.path("channels").asInt(),
                    model.path("binary_weights").asBoolean() ? "binary" : "fp", layer, Double.toString(eps).replace('.', 'p'));
            c.figure(Stages.RESNET_GRAD.name(), chart, name, "CDG vs STE, binary conv " + layer + ", " + caseName(model),
                    String.format(Locale.ROOT, "One point per weight: %d of the layer's %d coordinates%s, on a batch of %d images; "
                            + "cosine over the plotted coordinates %.4f.", t.rows(), total,
                            t.rows() < total ? " (sampled with a seed, task seed " + task.path("seed").asLong() + ")" : "",
                            task.path("grad_batch").asInt(), cosine));
            c.headline(Stages.RESNET_GRAD.name(), String.format(Locale.ROOT,
                    "resnet channels=%d binary_weights=%b layer=%d eps=%s cosine=%.4f coords=%s/%s", model.path("channels").asInt(),
                    model.path("binary_weights").asBoolean(), layer, task.path("eps").asText(), cosine, info.get("coords"),
                    info.get("coords_total")));
        }
        if (cos.rows() > 0) {
            c.table(Stages.RESNET_GRAD.name(), "cosine(CDG, STE) per case and layer", cos, htmlByCase(cos));
        }
    }

    /** The cosine table as one HTML table per case (channels, weights). */
    static String htmlByCase(ColumnTable cos) {
        java.util.Map<String, ColumnTable> byCase = new java.util.TreeMap<>();
        for (int r = 0; r < cos.rows(); r++) {
            String k = String.format(Locale.ROOT, "channels=%03d, %s weights, %s activations", cos.getLong("channels", r),
                    cos.string("weights", r), cos.string("activation", r));
            byCase.computeIfAbsent(k, x -> RESNET_CASE.empty())
                    .add(cos.get("layer", r), cos.get("eps", r), cos.get("coords", r), cos.get("coords_total", r), cos.get("cosine", r));
        }
        StringBuilder sb = new StringBuilder();
        byCase.forEach((k, t) -> sb.append("<h4>").append(Html.esc(k.replaceFirst("=0+(?=\\d)", "="))).append("</h4>")
                .append(Html.table(t)));
        return sb.toString();
    }
}
