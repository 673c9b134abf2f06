package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import bitgrad.pipelines.CliFixture;
import bitgrad.schemas.ArtifactStore;
import bitgrad.transforms.Stages;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plot stage's half of the cache-key guard (the stages' half is transforms'
 * {@code CacheKeyGuardTest}): a small run that reaches every toy report part records, per part, a
 * digest of what the part filed (figures' titles and captions, tables, sentences, headlines); each
 * digest is held against {@code plot-key-guard.json}, pinned to the part's version, the plot stage's
 * and every stage upstream. A part whose output changed while those did not fails, naming the part
 * to bump ({@link Part#version}). {@code -Dbitgrad.guard.update=true} rewrites the record.
 */
class PlotKeyGuardTest {

    static final String RECORD = "plot-key-guard.json";

    /** The tiny experiment with every question, the probes and sr-STE's factorial: every toy part has something to say. */
    static final String[] EVERY_PART = {"--set", "questions.last_layer=true", "--set", "questions.smoothing=true", "--set",
        "questions.nes_snr=true", "--set", "probes.enabled=true", "--set", "estimators.ste_random.keep=[0.5]", "--set",
        "estimators.sr_ste.forward=[stochastic,deterministic]", "--set", "estimators.sr_ste.backward=[quantizer,relaxed]", "--set",
        "pretrain.enabled=[true,false]", "--set", "estimators.sr_ste.k=[1,2]"};

    @Test
    void everyReportPartIsPinnedToItsVersion(@TempDir Path runs) throws Exception {
        CliFixture.Result run = CliFixture.run(runs, EVERY_PART);
        Path record;
        try (var s = Files.list(runs)) {
            record = s.filter(d -> Files.exists(d.resolve("run.json"))).findFirst().orElseThrow();
        }
        JsonNode rec = Task.JSON.readTree(record.resolve("run.json").toFile());
        String upstream = "";
        String plotKey = null;
        for (JsonNode st : rec.path("stages")) {
            if (st.path("stage").asText().equals("plot")) {
                plotKey = st.path("artifacts").get(0).asText().substring("plot/".length());
            } else {
                upstream += " " + st.path("stage").asText() + "=" + Stages.version(st.path("stage").asText());
            }
        }
        assertTrue(plotKey != null, run.out());
        Object digests = new ArtifactStore(runs.resolve("cache")).manifest("plot", plotKey).info().get(PlotStage.PART_DIGESTS);
        Map<String, String> byPart = new TreeMap<>();
        ((Map<?, ?>) digests).forEach((k, v) -> byPart.put(String.valueOf(k), String.valueOf(v)));
        Map<String, Integer> versions = new TreeMap<>();
        PlotStage.PARTS.forEach(p -> versions.put(p.name(), p.version()));
        assertEquals(versions.keySet(), byPart.keySet(), "every part filed a digest");
        Map<String, String> pinned = new TreeMap<>();
        for (String part : versions.keySet()) {
            pinned.put(part, versions.get(part) + " plot=" + new PlotStage().version() + upstream);
        }
        Path source = Path.of("src/test/resources", RECORD);
        if (Boolean.getBoolean("bitgrad.guard.update")) {
            ObjectNode out = Task.JSON.createObjectNode();
            pinned.forEach((part, v) -> out.putObject(part).put("version", v).put("digest", byPart.get(part)));
            Files.writeString(source, Task.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out) + "\n");
            return;
        }
        JsonNode recorded = Task.JSON.readTree(PlotKeyGuardTest.class.getResource("/" + RECORD));
        List<String> problems = new ArrayList<>();
        for (String part : pinned.keySet()) {
            JsonNode r = recorded.path(part);
            boolean sameVersion = r.path("version").asText().equals(pinned.get(part));
            boolean sameOutput = r.path("digest").asText().equals(byPart.get(part));
            if (r.isMissingNode()) {
                problems.add("report part " + part + " has no entry in " + RECORD + ": rerun with -Dbitgrad.guard.update=true and commit it");
            } else if (sameVersion && !sameOutput) {
                problems.add("report part " + part + "'s output changed but its version is still " + versions.get(part) + ": bump "
                        + part + "'s version() (Part), then rerun with -Dbitgrad.guard.update=true and commit " + RECORD);
            } else if (!sameVersion && !sameOutput) {
                problems.add("report part " + part + " was bumped and its output changed: rerun with -Dbitgrad.guard.update=true and commit "
                        + RECORD + " so that the next change is guarded");
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems));
        }
    }
}
