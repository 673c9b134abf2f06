package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.STRING;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.Tables;
import bitgrad.transforms.Stage;
import bitgrad.transforms.StageContext;
import java.util.List;

/**
 * Stage {@code plot}: every figure (PNG + SVG), derived table and headline of a run, drawn from
 * its cached artifacts (inputs named by the stage that made them). A cached artifact like any
 * other: a rerun whose results did not change draws nothing. The report page is assembled from it
 * by {@link ReportPage}.
 */
public final class PlotStage extends Stage<PlotStage.Params> {

    /**
     * The report's content, in page order: per section (a stage name), its figures, tables, HTML
     * fragments and headline lines ({@code kind}); {@code name} is the figure or table file stem.
     */
    public static final Tables.Schema REPORT_SECTIONS = new Tables.Schema("report_sections", new Object[] {"section", STRING, "kind", STRING, "name", STRING,
            "title", STRING, "body", STRING});

    /** No parameters: what to draw follows from the inputs. */
    public record Params() {
    }

    /** What the page shows, in order (figures, tables, fragments, headlines per section). */
    public static final Output SECTIONS = new Output("sections.arrow", REPORT_SECTIONS);

    /** The figures as bitmaps, for the page. */
    public static final Output PNG = Output.files("*.png");

    /** The figures as vector graphics, for papers. */
    public static final Output SVG = Output.files("*.svg");

    /** Derived tables (best settings, mismatch, ResNet cosines), each of a schema declared in {@link Tables}. */
    public static final Output TABLES = Output.files("*.arrow");

    /** The stage's name. */
    public static final String NAME = "plot";

    /** Every view of the results, in page order; a new figure is one more small {@link Part}, here or plugged in. */
    static final List<Part> PARTS = parts(new Findings(), new ResultTables(), new PretrainPart(), new Efficiency(), new LrCurves(), new BestVsDim(),
            new BestVsK(), new CosineWithReference(), new Mismatch(), new RosenbrockPart(), new ProbePart(), new SteRandomPart(),
            new ResNetPart(), new NesVsCdg(), new NesAfterPretraining(), new SmoothingPart(), new LastLayer(), new SrSteGain(), new CdgCrossings());

    /** The built-in parts, then those named in {@code META-INF/services/bitgrad.pipelines.report.Part} (a name already taken is skipped). */
    private static List<Part> parts(Part... builtIn) {
        List<Part> all = new java.util.ArrayList<>(List.of(builtIn));
        for (Part p : java.util.ServiceLoader.load(Part.class)) {
            if (all.stream().noneMatch(q -> q.name().equals(p.name()))) {
                all.add(p);
            }
        }
        return List.copyOf(all);
    }

    /** The stages whose artifacts the parts read: the plot task's input names. */
    public static final List<String> READS = List.of("summary", "init-models", "estimate", "lr-sweep", "layer-sweep", "smoothing", "nes-snr", "pretrain", "rosenbrock", "gradcheck", "probe", "image-data",
            "resnet-pretrain", "resnet-grad");

    /** The stage's own version covers the page's frame; each part has its own version (see {@link #algorithms}). */
    public PlotStage() {
        super(NAME, 11, Params.class, SECTIONS, PNG, SVG, TABLES);
    }

    /** Every part with its version: adding, removing or bumping a part changes the plot stage's keys. */
    @Override
    public List<bitgrad.models.Algorithm> algorithms() {
        return PARTS.stream().map(p -> new bitgrad.models.Algorithm("part-" + p.name(), p.version())).toList();
    }

    /** Manifest info of a plot artifact: per part, the digest of what it filed (for the guard test). */
    public static final String PART_DIGESTS = "part_digests";

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        System.setProperty("java.awt.headless", "true");
        ReportContext r = new ReportContext(c);
        java.util.Map<String, String> digests = new java.util.TreeMap<>();
        for (Part p : PARTS) {
            int from = r.sections().rows();
            p.render(r);
            digests.put(p.name(), bitgrad.transforms.OutputDigest.of(List.of(r.sections().slice(from, r.sections().rows()))));
        }
        c.info(PART_DIGESTS, digests);
        ArrowFiles.write(c.output(SECTIONS), r.sections());
        long figures = 0;
        for (int i = 0; i < r.sections().rows(); i++) {
            figures += r.sections().string("kind", i).equals("figure") ? 1 : 0;
        }
        return figures + " figures";
    }
}
