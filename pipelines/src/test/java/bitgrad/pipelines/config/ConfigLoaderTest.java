package bitgrad.pipelines.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config loader on its own: presets, --set, files, replays and the one-line refusals, in milliseconds. */
class ConfigLoaderTest {

    private static String refusal(String preset, String... sets) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(preset, List.of(sets)));
        assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("Exception"), e.getMessage());
        return e.getMessage();
    }

    @Test
    void setsOverrideThePresetAndAreRecordedInOrder() {
        ConfigLoader.Loaded l = ConfigLoader.load("hparam-search", List.of("dims=[8,16]", "estimators.nes.samples=[500]"));
        assertEquals(List.of(8, 16), l.config().dims());
        assertEquals(List.of(500), l.config().estimators().nes().samples());
        assertEquals(List.of("dims=[8,16]", "estimators.nes.samples=[500]"), l.overrides());
        assertEquals("preset hparam-search", l.source());
        assertEquals(3, l.config().numInit(), "what the preset sets and no --set touches stays");
    }

    @Test
    void badInputIsOneLineInTheUsersTerms() {
        assertTrue(refusal("hparam-search", "estimators.nes.sigmaa=[1]").contains("did you mean 'sigma'"));
        assertEquals("dims must be >= 1, got -3", refusal("quickstart", "dims=[-3]"));
        assertTrue(refusal("quickstart", "estimators.nes.modes=[two-sided]").contains("antithetic, one-sided or no-baseline"));
        assertTrue(refusal("quikstart").startsWith("unknown experiment 'quikstart'"));
    }

    @Test
    void aFileNamesItselfAndAReplayKeepsItsSourcesSettings(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("mine.yaml");
        Files.writeString(yaml, "dims: [8]\nestimators:\n  cdg:\n    eps: [0.05]\n");
        ConfigLoader.Loaded file = ConfigLoader.load(yaml.toString(), List.of());
        assertEquals("mine", file.config().name());
        assertEquals(List.of(0.05), file.config().estimators().cdg().eps());
        // a run record replays the configuration it resolved; its overrides come along, new ones after them
        ObjectNode rec = bitgrad.transforms.Task.JSON.createObjectNode();
        rec.put("run_id", "20261206-000000-000-mine");
        rec.set("config", file.tree());
        rec.putArray("overrides").add("dims=[8]");
        Path json = dir.resolve("run.json");
        Files.writeString(json, rec.toString());
        ConfigLoader.Loaded replay = ConfigLoader.load(json.toString(), List.of("num_init=2"));
        assertEquals(ConfigLoader.REPLAY + "20261206-000000-000-mine", replay.source());
        assertEquals(List.of("dims=[8]", "num_init=2"), replay.overrides());
        assertEquals(List.of(0.05), replay.config().estimators().cdg().eps());
        assertEquals(2, replay.config().numInit());
        Files.writeString(json, "{\"run_id\": \"x\"");
        assertThrows(ConfigException.class, () -> ConfigLoader.load(json.toString(), List.of()), "a cut record never replays as the defaults");
    }

    /** {@code experiments --keys} prints the defaults as they load, each section's settings commented, and extensions free-form. */
    @Test
    void theDefaultsTextIsTheConfigAndCommentsItsSettings() throws Exception {
        String text = ConfigLoader.defaultsText();
        com.fasterxml.jackson.databind.JsonNode tree = new com.fasterxml.jackson.databind.ObjectMapper(
                new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(text);
        ConfigLoader.Loaded custom = ConfigLoader.load("quickstart", List.of());
        assertEquals(tree.path("resnet"), custom.tree().path("resnet"), "the printed defaults are the ones loaded");
        List<String> lines = text.lines().toList();
        for (String key : List.of("dims:", "num_init:", "activation:", "eps:", "sigma:", "samples:", "modes:", "lr_start:")) {
            int at = 0;
            while (at < lines.size() && !lines.get(at).strip().startsWith(key)) {
                at++;
            }
            assertTrue(at > 0 && at < lines.size(), key);
            assertTrue(lines.get(at - 1).strip().startsWith("#"), key + " has a comment above it, got: " + lines.get(at - 1));
        }
        ConfigLoader.Loaded on = ConfigLoader.load("quickstart", List.of("extensions.my-stage.scale=0.5", "extensions.my-stage.name=x"));
        assertEquals(0.5, on.config().extensions().get("my-stage").path("scale").asDouble());
        assertEquals("x", on.config().extensions().get("my-stage").path("name").asText());
        ConfigLoader.Loaded bare = ConfigLoader.load("quickstart", List.of("extensions.my-stage={}"));
        assertTrue(bare.config().extensions().containsKey("my-stage"), "an extension turned on with its defaults");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load("quickstart", List.of("extensions.my-stage=3")));
        assertTrue(e.getMessage().contains("mapping"), e.getMessage());
    }
}
