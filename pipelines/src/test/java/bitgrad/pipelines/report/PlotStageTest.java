package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.pipelines.CliFixture;
import bitgrad.pipelines.config.ConfigLoader;
import bitgrad.pipelines.run.Planner;
import bitgrad.pipelines.run.RunOptions;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plot stage alone on Beam's TestPipeline: from a run's cached artifacts to its figures, tables and headlines. */
class PlotStageTest {

    @Test
    void drawsEveryPartFromTheCachedArtifacts(@TempDir Path runs) throws Exception {
        CliFixture.run(runs, "--set", "pretrain.enabled=[false]");
        var plan = Planner.plan(ConfigLoader.load(CliFixture.TINY, List.of("pretrain.enabled=[false]")), RunOptions.COMPUTE_DEVICE);
        Task plot = plan.tasks("plot").get(0);
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        store.delete("plot", plot.key()); // its inputs stay cached: the stage draws it again

        TestPipeline p = TestPipeline.create().enableAbandonedNodeEnforcement(false);
        PCollection<String> out = p.apply(Create.of(List.of(plot.toJson())))
                .apply(Stages.transform("plot", store.root().toString(), false));
        PAssert.that(out).satisfies(lines -> {
            lines.forEach(l -> assertTrue(l.contains("\"status\":\"computed\""), l));
            return null;
        });
        p.run().waitUntilFinish();

        assertTrue(store.check("plot", plot.key()).valid());
        ColumnTable s = ArrowFiles.read(store.file("plot", plot.key(), PlotStage.SECTIONS.file()));
        int figures = 0;
        boolean result = false;
        for (int r = 0; r < s.rows(); r++) {
            String kind = s.string("kind", r);
            if (kind.equals("figure")) {
                figures++;
                Path png = store.file("plot", plot.key(), s.string("name", r) + ".png");
                assertTrue(Files.size(png) > 5_000, "figure drawn: " + png);
                assertTrue(Files.exists(store.file("plot", plot.key(), s.string("name", r) + ".svg")));
            }
            if (kind.equals("table")) {
                assertTrue(Files.exists(store.file("plot", plot.key(), s.string("name", r) + ".arrow")), s.string("name", r));
            }
            result |= kind.equals("headline") && s.string("body", r).startsWith("result dim=4 activation=sign rows=256 pretrained=0");
        }
        assertTrue(figures >= 6, "figures: " + figures);
        assertTrue(result, "a result headline per grid point");
    }
}
