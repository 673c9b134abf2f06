package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ColumnTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.html as a reader opens it: every image there, the run's numbers in the tables, nothing from the network. */
class ReportTest {


    @Test
    void theReportShowsEveryFigureAndTheRunsNumbers(@TempDir Path runs) throws Exception {
        CliFixture.Result r = CliFixture.run(runs);
        Matcher m = Pattern.compile("stage=report figures=(\\d+) seconds=\\S+ path=(\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Integer.parseInt(m.group(1)) >= 6, "figures: " + m.group(1));
        Path html = Path.of(m.group(2));
        Path dir = html.getParent();
        Document doc = Jsoup.parse(html.toFile(), "UTF-8");
        int images = 0;
        for (Element img : doc.select("img")) {
            String src = img.attr("src");
            assertTrue(src.startsWith("data:image/png;base64,"), "embedded, not a link: " + src.substring(0, Math.min(40, src.length())));
            byte[] png = java.util.Base64.getDecoder().decode(src.substring(src.indexOf(',') + 1));
            assertTrue(png.length > 5_000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a real PNG");
            String svg = img.parent().select("figcaption a").attr("href");
            assertTrue(Files.exists(dir.resolve(svg)), "SVG twin " + svg);
            images++;
        }
        assertEquals(Integer.parseInt(m.group(1)), images, "every figure is in the page");
        // a copied or mailed page keeps its figures: the page alone, without plots/, still has them all
        Path copy = Files.createDirectories(runs.resolve("elsewhere")).resolve("report.html");
        Files.copy(html, copy);
        assertEquals(images, Jsoup.parse(copy.toFile(), "UTF-8").select("img[src^=data:image/png;base64,]").size());
        assertTrue(doc.select("link[href^=http], script[src]").isEmpty(), "self-contained");
        // the page leads with findings generated from the numbers
        assertEquals("findings", doc.select("h2").first().id(), "findings come first");
        // a table of contents links every section, in the page's order, before the first one
        java.util.List<String> sections = doc.select("h2").eachAttr("id");
        java.util.List<String> links = doc.select("nav.toc a").eachAttr("href").stream().map(x -> x.substring(1)).toList();
        assertEquals(sections, links, "the contents link every section in order");
        assertTrue(doc.select("nav.toc").first().siblingIndex() < doc.select("h2").first().siblingIndex(), "contents first");
        assertTrue(doc.select("ul.findings li").text().matches(".*dim=4: \\S+ gives the largest decrease on the gradient batches, .*"),
                doc.select("ul.findings").text());
        assertTrue(r.out().matches("(?s).*finding variant=\\S+ dim=4 best=\\S+ best_decrease=\\S+ ratio_to_ste=\\S+ separable=(yes|no)"
                + " inits=1 p=none( unresolved=grid-edge)?\n.*"), r.out());
        // tiny's grid (0.0001 .. 0.0039) is far too short for its model: every sweep went on past its top
        assertTrue(r.out().lines().filter(l -> l.startsWith("result ")).allMatch(l -> l.matches(".* lr_range=0\\.0001\\.\\.(\\S+)")
                && Double.parseDouble(l.replaceAll(".* lr_range=0\\.0001\\.\\.(\\S+)", "$1")) > 0.0039),
                "every result headline carries the range of the sweep actually run, extended past the grid:\n" + r.out());
        assertFalse(r.out().contains("unresolved=grid-edge"), "the extension brackets every best rate:\n" + r.out());
        // tiny has one init: nothing is claimed, and the sentence says what would decide it
        String lead = doc.select("ul.findings li").text();
        assertTrue(lead.contains("not decided: one init") && lead.contains("raise num_init"), lead);
        for (String stage : new String[] {"pretrain", "estimate", "lr-sweep", "rosenbrock", "gradcheck"}) {
            assertFalse(doc.select("h2#stage-" + stage).isEmpty(), "section for " + stage);
        }
        for (String stage : new String[] {"generate-data", "init-models", "summary", "plot"}) {
            assertTrue(doc.select("h2#stage-" + stage).isEmpty(), "no empty section for " + stage);
            assertFalse(doc.select("td:containsOwn(" + stage + ")").isEmpty(), stage + " is still a row of the stage table, without a link");
        }
        // every derived table is named in the list of Arrow files
        for (String t : new String[] {"best_settings.arrow", "best_hyperparameters.arrow", "mismatch.arrow", "cosine_with_cdg.arrow"}) {
            assertFalse(doc.select("a[href=tables/" + t + "]").isEmpty(), "table list names " + t);
        }
        ColumnTable best = ArrowFiles.read(dir.resolve("tables/best_settings.arrow"));
        Set<String> cells = new HashSet<>();
        doc.select("td").forEach(td -> cells.add(td.text()));
        assertEquals(4, best.rows(), "one row per estimator setting of tiny.yaml");
        for (int i = 0; i < best.rows(); i++) {
            String v = String.format(Locale.ROOT, "%.6g", best.getDouble("best_decrease_mean", i));
            assertTrue(cells.contains(v), "report lacks " + best.string("estimator", i) + " best decrease " + v);
        }
        assertTrue(doc.text().contains(r.out().replaceAll("(?s).*run_id=(\\S+).*", "$1")), "run id in the page");
        assertTrue(doc.select("pre").text().contains("\"dims\""), "configuration shown");

        Files.delete(dir.resolve("report.html"));
        CliFixture.Result again = CliFixture.cli("report", "latest", "--runs-dir", runs.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(Files.exists(dir.resolve("report.html")), "report re-rendered from the cache");
    }
}
