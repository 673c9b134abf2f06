package bitgrad.pipelines.report;

import bitgrad.pipelines.config.ConfigException;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * A run's page: {@code report.html} (self-contained, no network) with the findings, provenance,
 * cache decisions and, per stage, what the {@code plot} artifact filed under it; the figures are
 * copied to {@code plots/} and the derived tables to {@code tables/}. Assembling it draws nothing:
 * it reads the cached plot artifact and the run record, so it takes milliseconds.
 */
public final class ReportPage {

    /** The section shown right after the findings: the figure or table a preset exists for. */
    static final String LEAD = "lead";

    private ReportPage() {
    }

    /**
     * The run's plot artifact, or null (a run with {@code --only}, or one that failed first). Its
     * reference must be {@code plot/<key>} ({@link ArtifactStore.Ref#parse}): a record that names
     * anything else was altered, and nothing it names is opened.
     */
    static ArtifactStore.Ref plotRef(JsonNode record) {
        for (JsonNode s : record.path("stages")) {
            if (s.path("stage").asText().equals("plot") && s.path("artifacts").size() == 1) {
                JsonNode a = s.path("artifacts").get(0);
                ArtifactStore.Ref ref = a.isTextual() ? ArtifactStore.Ref.parse(a.asText()).orElse(null) : null;
                if (ref == null || !ref.stage().equals("plot")) {
                    throw new ConfigException("the run record of " + record.path("run_id").asText() + " names its figures as " + a
                            + ", not as plot/<key>: the record was altered, and nothing it names is read");
                }
                return ref;
            }
        }
        return null;
    }

    /** The headline lines of a run, read from its cached plot artifact (empty when it has none or it is gone). */
    public static List<String> headlines(JsonNode record, ArtifactStore store) {
        try {
            return requireHeadlines(record, store);
        } catch (IOException | RuntimeException e) {
            return List.of(); // a run whose figures were collected: no headlines to show, the listing goes on
        }
    }

    /**
     * The headline lines of a run (empty when it drew no figures); a run whose figures are damaged or
     * gone is a one-line error, for commands whose answer would be wrong without them ({@code compare}).
     */
    public static List<String> requireHeadlines(JsonNode record, ArtifactStore store) throws IOException {
        Plot p = plot(record, store);
        return headlines(p == null ? null : p.sections());
    }

    private static List<String> headlines(ColumnTable sections) {
        List<String> out = new ArrayList<>();
        for (int r = 0; sections != null && r < sections.rows(); r++) {
            if (sections.string("kind", r).equals("headline")) {
                out.add(sections.string("body", r));
            }
        }
        return out;
    }

    /** A run's verified plot artifact: its folder, the files its manifest lists, and its sections table. */
    private record Plot(Path dir, java.util.Set<String> files, ColumnTable sections) {

        /** The bytes of listed file {@code name}; a name the manifest does not list is an error, never read. */
        byte[] read(String name) throws IOException {
            if (!files.contains(name)) {
                throw new ConfigException("the figures of this run name " + name + ", which their manifest does not list; "
                        + "rerun the experiment to draw them again");
            }
            return Files.readAllBytes(dir.resolve(name));
        }
    }

    private static Plot plot(JsonNode record, ArtifactStore store) throws IOException {
        ArtifactStore.Ref ref = plotRef(record);
        if (ref == null) {
            return null;
        }
        ArtifactStore.Check check = store.check(ref.stage(), ref.key());
        if (!check.valid()) {
            throw new ConfigException("the figures of run " + record.path("run_id").asText() + " are not in the cache (" + check.reason()
                    + "); rerun the experiment to draw them again");
        }
        Path dir = store.dir(ref.stage(), ref.key());
        return new Plot(dir, new java.util.TreeSet<>(check.manifest().files().keySet()),
                ArrowFiles.read(dir.resolve(PlotStage.SECTIONS.file())));
    }

    /**
     * Writes {@code report.html}, {@code plots/} and {@code tables/} of the run in {@code runDir};
     * returns the page and figure count. Only the files the plot artifact's manifest lists are
     * read or copied.
     */
    public static Written write(Path runDir, ArtifactStore store) throws IOException {
        ArtifactStore.requireInside(runDir.toAbsolutePath().normalize().getParent(), runDir, "the runs dir");
        JsonNode record = Task.JSON.readTree(runDir.resolve("run.json").toFile());
        Plot plot = plot(record, store);
        ColumnTable sections = plot == null ? null : plot.sections();
        List<String> tables = new ArrayList<>();
        int figures = 0;
        Path art = plot == null ? null : plot.dir();
        if (plot != null) {
            Path plots = Files.createDirectories(runDir.resolve("plots"));
            Path tablesDir = Files.createDirectories(runDir.resolve("tables"));
            for (String n : plot.files()) {
                if (n.endsWith(".png") || n.endsWith(".svg")) {
                    copy(art.resolve(n), plots.resolve(n));
                    figures += n.endsWith(".png") ? 1 : 0;
                } else if (n.endsWith(".arrow") && !n.equals(PlotStage.SECTIONS.file())) {
                    copy(art.resolve(n), tablesDir.resolve(n));
                    tables.add(n);
                }
            }
        }
        Path out = runDir.resolve("report.html");
        Path tmp = runDir.resolve(".report.html.tmp");
        Files.writeString(tmp, html(record, sections, tables, plot), StandardCharsets.UTF_8);
        Files.move(tmp, out, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new Written(out, figures, headlines(sections));
    }

    /** The page written, how many figures it shows, and the run's headline lines (each section's text form). */
    public record Written(Path page, int figures, List<String> headlines) {
    }

    private static void copy(Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling("." + to.getFileName() + ".tmp");
        Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The rows of {@code section} of one kind, rendered. */
    /** Every figure, table and text of {@code section} in the order the parts added them (a question's verdict, then its evidence). */
    private static String inOrder(ColumnTable s, String section, Plot art) throws IOException {
        StringBuilder h = new StringBuilder();
        for (int r = 0; s != null && r < s.rows(); r++) {
            String kind = s.string("kind", r);
            if (s.string("section", r).equals(section) && !kind.equals("headline")) {
                h.append(rows(s.slice(r, r + 1), section, kind, art));
            }
        }
        return h.toString();
    }

    private static String rows(ColumnTable s, String section, String kind, Plot art) throws IOException {
        StringBuilder h = new StringBuilder();
        for (int r = 0; s != null && r < s.rows(); r++) {
            if (!s.string("section", r).equals(section) || !s.string("kind", r).equals(kind)) {
                continue;
            }
            String name = s.string("name", r);
            switch (kind) {
                // embedded, so a copied or mailed page keeps its figures; plots/ holds the same files
                case "figure" -> h.append("<figure><img src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(art.read(name + ".png"))).append("\" alt=\"").append(Html.esc(s.string("title", r)))
                        .append("\"><figcaption><b>").append(Html.esc(s.string("title", r))).append(".</b> ").append(Html.esc(s.string("body", r)))
                        .append(" <a href=\"plots/").append(name).append(".svg\">SVG</a></figcaption></figure>");
                case "table" -> h.append("<h3>").append(Html.esc(s.string("title", r))).append("</h3>").append(s.string("body", r))
                        .append("<p>As Arrow: <a href=\"tables/").append(name).append(".arrow\">").append(name).append(".arrow</a>.</p>");
                default -> h.append(s.string("body", r));
            }
        }
        return h.toString();
    }

    private static String html(JsonNode rec, ColumnTable s, List<String> tables, Plot art) throws IOException {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>bitgrad report: ").append(Html.esc(rec.path("run_id").asText()))
                .append("</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}"
                        + "table{border-collapse:collapse;margin:1em 0;font-size:13px;display:block;max-width:100%;overflow-x:auto}"
                        + "summary{cursor:pointer}summary h2{display:inline}.toc{font-size:14px;background:#f7f7f7;padding:.5em .8em;line-height:1.6}td,th{border:1px solid #ccc;padding:3px 7px}"
                        + "th{background:#f0f0f0}td.num{text-align:right;font-family:monospace}img{max-width:100%;border:1px solid #eee}"
                        + "pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:12px}figure{margin:1.5em 0}"
                        + "figcaption{font-size:13px;color:#555}.bad{color:#b00}.verdict{background:#eef5ee;padding:.5em .8em}</style></head><body>");
        h.append("<h1>bitgrad run ").append(Html.esc(rec.path("run_id").asText())).append("</h1>");
        h.append("<p>Experiment <b>").append(Html.esc(rec.path("experiment").asText())).append("</b> (")
                .append(Html.esc(rec.path("source").asText())).append("), status <b class=\"")
                .append(rec.path("status").asText().equals("ok") ? "" : "bad").append("\">").append(Html.esc(rec.path("status").asText()))
                .append("</b>, ").append(String.format(Locale.ROOT, "%.1f", rec.path("seconds").asDouble())).append(" s on the ")
                .append(Html.esc(rec.path("runner").asText())).append(" runner.</p>");
        if (rec.has("error")) {
            h.append("<p class=bad>").append(Html.esc(rec.path("error").asText())).append("</p>");
        }
        String findings = rows(s, Findings.SECTION, "html", art);
        if (!findings.isEmpty()) {
            h.append("<h2 id=findings>Findings</h2>").append(findings);
        }
        // what the preset is for, before the questions and the tables: the per-layer mismatch, the best decrease against width
        String lead = rows(s, LEAD, "table", art) + rows(s, LEAD, "figure", art);
        if (!lead.isEmpty()) {
            h.append("<h2 id=lead>The answer at a glance</h2>").append(lead);
        }
        String answers = inOrder(s, Questions.SECTION, art);
        if (!answers.isEmpty()) {
            h.append("<h2 id=questions>The notes' open questions</h2>").append(answers);
        }
        h.append("<h2 id=results>Results</h2>").append(rows(s, ResultTables.SECTION, "table", art));
        h.append("<h2 id=provenance>Provenance</h2><table>");
        for (String k : List.of("run_id", "seed", "git_commit", "git_dirty", "host", "os", "runner", "parallelism", "device", "started",
                "finished")) {
            h.append("<tr><th>").append(k).append("</th><td>").append(Html.esc(rec.path(k).asText())).append("</td></tr>");
        }
        rec.path("versions").fields().forEachRemaining(e -> h.append("<tr><th>").append(Html.esc(e.getKey())).append("</th><td>")
                .append(Html.esc(e.getValue().asText())).append("</td></tr>"));
        h.append("</table>");
        // the stages' internals (cache decisions, per-stage figures and tables, the configuration): collapsed, at the end
        h.append("<details><summary><h2 id=stages>Stages and cache decisions</h2></summary><table><tr><th>stage</th><th>cache</th>"
                + "<th>reason</th><th>tasks</th><th>computed</th><th>seconds</th></tr>");
        java.util.Map<String, String> bodies = new java.util.LinkedHashMap<>();
        for (JsonNode st : rec.path("stages")) {
            String stage = st.path("stage").asText();
            String body = rows(s, stage, "figure", art) + rows(s, stage, "table", art) + rows(s, stage, "html", art);
            if (!body.isEmpty()) {
                bodies.put(stage, body);
            }
        }
        for (JsonNode st : rec.path("stages")) {
            String name = Html.esc(st.path("stage").asText());
            h.append("<tr><td>").append(bodies.containsKey(st.path("stage").asText())
                    ? "<a href=\"#stage-" + name + "\">" + name + "</a>" : name).append("</td><td>").append(Html.esc(st.path("cache").asText()))
                    .append("</td><td>").append(Html.esc(st.path("reason").asText())).append("</td><td class=num>")
                    .append(st.path("tasks").asInt()).append("</td><td class=num>").append(st.path("computed").asInt())
                    .append("</td><td class=num>").append(String.format(Locale.ROOT, "%.2f", st.path("seconds").asDouble()))
                    .append("</td></tr>");
        }
        h.append("</table></details>");
        for (JsonNode st : rec.path("stages")) {
            String stage = st.path("stage").asText();
            String body = bodies.get(stage);
            if (body == null) {
                continue; // a stage with nothing to show is a row of the table above, not an empty section
            }
            h.append("<details><summary><h2 id=\"stage-").append(Html.esc(stage)).append("\">Stage ").append(Html.esc(stage))
                    .append("</h2></summary>");
            h.append("<p>").append(st.path("tasks").asInt()).append(" tasks, ").append(st.path("computed").asInt())
                    .append(" computed in this run (").append(Html.esc(st.path("reason").asText())).append(").</p>");
            h.append(body).append("</details>");
        }
        h.append("<details><summary><h2 id=config>Configuration</h2></summary><pre>")
                .append(Html.esc(Task.JSON.writer(SerializationFeature.INDENT_OUTPUT).writeValueAsString(rec.path("config"))))
                .append("</pre></details>");
        if (!tables.isEmpty()) {
            h.append("<p>Tables as Arrow files:");
            for (String t : tables) {
                h.append(" <a href=\"tables/").append(t).append("\">").append(t).append("</a>");
            }
            h.append(".</p>");
        }
        h.append("</body></html>\n");
        return withContents(h.toString());
    }

    /** The page with a table of contents before its first section: one link per section heading, in page order. */
    static String withContents(String page) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<h2 id=\"?([^\" >]+)\"?>(.*?)</h2>").matcher(page);
        StringBuilder nav = new StringBuilder("<nav class=toc><b>Contents:</b>");
        int first = -1;
        while (m.find()) {
            first = first < 0 ? m.start() : first;
            nav.append(" <a href=\"#").append(m.group(1)).append("\">").append(m.group(2)).append("</a> &middot;");
        }
        if (first < 0) {
            return page;
        }
        nav.setLength(nav.length() - " &middot;".length());
        nav.append("</nav>");
        return page.substring(0, first) + nav + page.substring(first);
    }
}
