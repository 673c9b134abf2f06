package bitgrad.pipelines.report;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.StageContext;
import bitgrad.transforms.TaskRef;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.internal.chartpart.Chart;

/**
 * What a report {@link Part} reads and where it writes: the cached artifacts of one run's stages
 * (the plot task's inputs, named by stage) on one side; on the other, figures (PNG + SVG), tables
 * (Arrow + HTML), HTML fragments and headline lines, each filed under a section (a stage name) in
 * the order the parts produce them. A part plugged in from another module uses its public methods: the artifacts of the
 * stages it reads ({@link #keys}, {@link #params}, {@link #table(String, String, String)}) and the figure, table, HTML and
 * headline it files under a section (its stage's name puts it in that stage's part of the page).
 */
public final class ReportContext {

    private final StageContext<?> task;
    private final ColumnTable sections = PlotStage.REPORT_SECTIONS.empty();
    private List<Cells.Cell> cells;
    private ColumnTable cosines;
    private final Map<String, Integer> tablesOfKind = new java.util.HashMap<>();

    ReportContext(StageContext<?> task) {
        this.task = task;
    }

    // ------------------------------------------------------------------ reading

    /** Keys of the run's artifacts of {@code stage}, in plan order. */
    public List<String> keys(String stage) {
        List<String> k = new ArrayList<>();
        task.inputs(stage).forEach(r -> k.add(r.key()));
        return k;
    }

    /** The parameters of the task that made {@code (stage, key)}. */
    public JsonNode params(String stage, String key) {
        return task.paramsJson(new TaskRef(stage, key));
    }

    /** The facts recorded with {@code (stage, key)}. */
    public Map<String, Object> info(String stage, String key) {
        return task.infoOf(new TaskRef(stage, key));
    }

    /** The stage of the first input named {@code input} of artifact {@code (stage, key)}, from its record ("" if none). */
    String inputStage(String stage, String key, String input) {
        TaskRef ref = input(stage, key, input);
        return ref == null ? "" : ref.stage();
    }

    /** The first input named {@code input} of artifact {@code (stage, key)}, from its record (null if none). */
    TaskRef input(String stage, String key, String input) {
        Object task = info(stage, key).get("task");
        if (task instanceof Map<?, ?> t && t.get("inputs") instanceof Map<?, ?> in && in.get(input) instanceof List<?> refs
                && !refs.isEmpty() && refs.get(0) instanceof Map<?, ?> ref) {
            return new TaskRef(String.valueOf(ref.get("stage")), String.valueOf(ref.get("key")));
        }
        return null;
    }

    /** The raw gradient of estimate {@code key}. */
    bitgrad.schemas.ParamSet gradient(String key) throws IOException {
        return task.readParams(new TaskRef("estimate", key), bitgrad.transforms.EstimateStage.GRADIENT);
    }

    /** A table of artifact {@code (stage, key)}. */
    public ColumnTable table(String stage, String key, String file) throws IOException {
        return task.read(new TaskRef(stage, key), file);
    }

    /** The run's summary key, or null when the run has none. */
    String summaryKey() {
        List<String> k = keys("summary");
        return k.isEmpty() ? null : k.get(0);
    }

    /** The summary's cells, read once and shared by every part. */
    List<Cells.Cell> cells() throws IOException {
        if (cells == null) {
            cells = Cells.of(this);
        }
        return cells;
    }

    /** The run's cosine table (null without a summary), read once and shared by every part. */
    ColumnTable cosines() throws IOException {
        if (cosines == null && summaryKey() != null) {
            cosines = Cells.cosines(this);
        }
        return cosines;
    }

    // ------------------------------------------------------------------ writing

    /** Writes {@code chart} as {@code <name>.png} and {@code .svg} and files it under {@code section}. */
    public void figure(String section, Chart<?, ?> chart, String name, String title, String caption) throws IOException {
        Figures.save(chart, task.output(name + ".png").getParent(), name);
        sections.add(section, "figure", name, title, caption);
    }

    /** Writes {@code t} as {@code <t.kind()>.arrow} and shows it under {@code section} with a heading. */
    public void table(String section, String heading, ColumnTable t) throws IOException {
        table(section, heading, t, Html.table(t));
    }

    /**
     * The same with the HTML given (e.g. one table per case). A second table of the same kind (one
     * per probe, say) is written as {@code <kind>_2.arrow}, and so on: each file keeps the rows its
     * heading describes.
     */
    void table(String section, String heading, ColumnTable t, String html) throws IOException {
        int n = tablesOfKind.merge(t.kind(), 1, Integer::sum);
        String name = n == 1 ? t.kind() : t.kind() + "_" + n;
        ArrowFiles.write(task.output(name + ".arrow"), t);
        sections.add(section, "table", name, heading, html);
    }

    /** An HTML fragment under {@code section} (escaped by the caller). */
    public void html(String section, String html) {
        sections.add(section, "html", "", "", html);
    }

    /** A {@code key=value} line the terminal prints after the run. */
    public void headline(String section, String line) {
        sections.add(section, "headline", "", "", line);
    }

    /** Everything filed, in order. */
    ColumnTable sections() {
        return sections;
    }
}
