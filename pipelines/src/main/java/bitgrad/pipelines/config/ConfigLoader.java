package bitgrad.pipelines.config;


import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Loads an experiment: a preset shipped in the jar ({@code experiments/<name>.yaml}) or a YAML
 * file, laid over {@code defaults.yaml}, then {@code --set key=value} overrides. Every key must
 * exist in the defaults and every value must have the default's type; any mistake is a
 * {@link ConfigException} naming the key.
 */
public final class ConfigLoader {

    /** Presets shipped in the jar, in the order {@code bitgrad experiments} lists them. */
    public static final List<String> PRESETS = List.of("quickstart", "hparam-search", "hparam-search-pretrained",
            "stochastic-rounding", "rosenbrock", "mismatch-table", "discussion", "resnet-cdg");

    private static final ObjectMapper YAML = JsonMapper.builder(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
            .enable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
            .build();

    private ConfigLoader() {
    }

    /**
     * A loaded experiment.
     *
     * @param config the typed configuration
     * @param tree the same, fully resolved, as a tree (what {@code run.json} records)
     * @param source where it came from (preset name or file path)
     */
    public record Loaded(ExperimentConfig config, ObjectNode tree, String source, List<String> overrides) {
    }

    /** How a replay's source begins: {@code replay of run <id>}. */
    public static final String REPLAY = "replay of run ";

    /** The one-line description of a preset. */
    public static String description(String preset) {
        return load(preset, List.of()).config().description();
    }

    /** Loads {@code nameOrPath} with {@code sets} ({@code key=value}) applied. */
    public static Loaded load(String nameOrPath, List<String> sets) {
        String source;
        JsonNode user;
        Path file = Path.of(nameOrPath);
        boolean looksLikeFile = nameOrPath.endsWith(".yaml") || nameOrPath.endsWith(".yml") || nameOrPath.endsWith(".json")
                || nameOrPath.contains("/");
        if (looksLikeFile || (Files.isRegularFile(file) && !PRESETS.contains(nameOrPath))) {
            if (!Files.isRegularFile(file)) {
                throw new ConfigException("no such experiment file: " + nameOrPath);
            }
            source = file.toString();
            String text;
            try {
                text = Files.readString(file);
            } catch (IOException e) {
                throw new ConfigException("cannot read " + source + ": " + e.getMessage());
            }
            if (nameOrPath.endsWith(".json")) {
                user = runRecord(text, source);
            } else {
                user = parse(text, source);
            }
            if (user.isObject() && user.isEmpty()) {
                throw new ConfigException(source + " sets nothing: an experiment file names its settings (see 'bitgrad experiments')");
            }
        } else {
            if (!PRESETS.contains(nameOrPath)) {
                throw new ConfigException("unknown experiment '" + nameOrPath + "'" + suggest(nameOrPath, PRESETS) + "; presets: "
                        + String.join(", ", PRESETS) + " (or a path to a .yaml file)");
            }
            source = "preset " + nameOrPath;
            user = parse(resource(nameOrPath), source);
        }
        List<String> inherited = new java.util.ArrayList<>();
        if (user instanceof ObjectNode rec && rec.has("run_id") && rec.path("config").isObject()) {
            // a run record (run.json): replay exactly the configuration that run resolved, and keep the settings it changed
            source = REPLAY + rec.path("run_id").asText();
            user = rec.get("config");
            rec.path("overrides").forEach(o -> inherited.add(o.asText()));
        }
        if (!(user instanceof ObjectNode userObject)) {
            throw new ConfigException(source + ": an experiment must be a YAML mapping of keys to values");
        }
        ObjectNode tree = (ObjectNode) parse(resource("defaults"), "defaults");
        if (!userObject.has("name") && looksLikeFile) {
            userObject.put("name", file.getFileName().toString().replaceFirst("\\.ya?ml$", ""));
        }
        merge(tree, userObject, "", source);
        for (String set : sets) {
            applySet(tree, set);
        }
        requireValues(tree, "", source);
        ExperimentConfig config = bind(tree, source);
        ConfigChecks.check(config);
        inherited.addAll(sets);
        return new Loaded(config, tree, source, List.copyOf(inherited));
    }

    /** {@code defaults.yaml} as shipped: every setting with its default and a comment on what it does. */
    public static String defaultsText() {
        return resource("defaults");
    }

    private static String resource(String name) {
        try (InputStream in = ConfigLoader.class.getResourceAsStream("/experiments/" + name + ".yaml")) {
            if (in == null) {
                throw new IllegalStateException("experiments/" + name + ".yaml is missing from the jar");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A run record's content, or a one-line error: an empty, cut or foreign .json file never replays as the defaults. */
    private static JsonNode runRecord(String text, String source) {
        JsonNode n;
        try {
            n = parse(text, source);
        } catch (ConfigException e) {
            n = null;
        }
        if (n == null || !n.has("run_id") || !n.path("config").isObject()) {
            throw new ConfigException(source + " is not a complete run record (empty, cut short, or not a run.json): nothing to replay");
        }
        return n;
    }

    private static JsonNode parse(String yaml, String source) {
        try (com.fasterxml.jackson.core.JsonParser p = YAML.createParser(yaml)) {
            JsonNode n = YAML.readTree(p);
            if (p.nextToken() != null) {
                throw new ConfigException(source + " holds more than one YAML document (a line '---' starts another); keep one");
            }
            return n == null || n.isMissingNode() ? YAML.createObjectNode() : n;
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ConfigException("malformed YAML in " + source + (at == null ? "" : " at line " + at.getLineNr()) + ": "
                    + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("cannot read " + source + ": " + e.getMessage());
        }
    }

    /** The section of plugged-in stages' settings, one mapping per extension ({@code extensions.my-stage.scale}). */
    public static final String EXTENSIONS = "extensions";

    /** Overlays {@code user} on {@code base}; every user key must exist in base (but under {@link #EXTENSIONS}). */
    private static void merge(ObjectNode base, ObjectNode user, String prefix, String source) {
        Iterator<Map.Entry<String, JsonNode>> it = user.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            JsonNode existing = base.get(e.getKey());
            if (key.equals(EXTENSIONS)) {
                // the plugged-in stages' own settings: free-form here, read by each stage's planner (which names a bad one)
                if (!e.getValue().isObject()) {
                    throw new ConfigException("'" + EXTENSIONS + "' in " + source + " must be a mapping of extension name to its settings");
                }
                ((ObjectNode) existing).setAll((ObjectNode) e.getValue());
                continue;
            }
            if (existing == null) {
                // a key is echoed only when it looks like one: a file that is not an experiment must not be printed
                String shown = key.matches("[A-Za-z0-9_.\\-]{1,60}") ? "'" + key + "'" : "(not a bitgrad setting)";
                throw new ConfigException("unknown key " + shown + " in " + source + "; known here: " + fieldNames(base));
            }
            if (existing.isObject()) {
                if (!e.getValue().isObject()) {
                    throw new ConfigException("'" + key + "' in " + source + " must be a mapping with keys " + fieldNames(existing));
                }
                merge((ObjectNode) existing, (ObjectNode) e.getValue(), key + ".", source);
            } else {
                base.set(e.getKey(), e.getValue());
            }
        }
    }

    /** Applies one {@code key=value} override; the value is read as YAML ({@code 0.1}, {@code [8, 16]}, {@code true}). */
    static void applySet(ObjectNode tree, String set) {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set takes key=value, got '" + set + "'");
        }
        String key = set.substring(0, eq).trim();
        if (key.startsWith("cdg.")) {
            key = "estimators." + key;
        }
        String[] path = key.split("\\.");
        // extensions.NAME={...} turns NAME on with those settings and extensions.NAME.KEY=value sets one: free-form (the
        // extension's planner checks them); every other key must be one of the defaults
        boolean free = path[0].equals(EXTENSIONS) && path.length >= 2;
        ObjectNode node = tree;
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode next = node.get(path[i]);
            if (next == null || !next.isObject()) {
                if (!free) {
                    throw new ConfigException("unknown --set key '" + key + "'");
                }
                next = node.putObject(path[i]);
            }
            node = (ObjectNode) next;
        }
        String last = path[path.length - 1];
        JsonNode old = node.get(last);
        if (!free && old == null) {
            List<String> known = new ArrayList<>();
            node.fieldNames().forEachRemaining(known::add);
            throw new ConfigException("unknown --set key '" + key + "'" + suggest(last, known) + "; known here: " + fieldNames(node));
        }
        if (!free && old.isObject()) {
            throw new ConfigException("--set " + key + " names a section; set one of its keys: " + fieldNames(old));
        }
        String text = set.substring(eq + 1).trim();
        if (text.isEmpty()) {
            throw new ConfigException("--set " + key + " needs a value");
        }
        JsonNode value = parse(text, "--set " + key);
        if (free && path.length == 2 && !value.isObject()) {
            throw new ConfigException("--set " + key + " takes the extension's settings as a mapping, e.g. {} or {power: 2}");
        }
        node.set(last, value);
    }

    /** Every setting needs a value: {@code ~}, {@code null} or an empty {@code key:} is an error that names the key. */
    private static void requireValues(JsonNode n, String prefix, String source) {
        Iterator<Map.Entry<String, JsonNode>> it = n.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = prefix + e.getKey();
            if (e.getValue().isNull() || e.getValue().isMissingNode()) {
                throw new ConfigException(key + " needs a value (got none) in " + source);
            }
            if (e.getValue().isObject()) {
                requireValues(e.getValue(), key + ".", source);
            }
            if (e.getValue().isArray()) {
                for (JsonNode v : e.getValue()) {
                    if (v.isNull()) {
                        throw new ConfigException(key + " has an empty entry in " + source);
                    }
                }
            }
        }
    }

    private static ExperimentConfig bind(ObjectNode tree, String source) {
        try {
            return YAML.treeToValue(tree, ExperimentConfig.class);
        } catch (JsonMappingException e) {
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference r : e.getPath()) {
                if (r.getFieldName() != null) {
                    path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
                } else if (r.getIndex() >= 0) {
                    path.append('[').append(r.getIndex()).append(']');
                }
            }
            if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException mi && mi.getTargetType() != null) {
                String key = path.toString().replaceAll("\\[\\d+\\]$", "");
                throw new ConfigException(key + ": expected " + expected(mi.getTargetType()) + ", got " + given(tree, path.toString()));
            }
            throw new ConfigException("wrong value for '" + path + "' in " + source + ": " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw new ConfigException(source + ": " + firstLine(e.getOriginalMessage()));
        }
    }

    /** What a Java type is called in the user's terms. */
    private static String expected(Class<?> t) {
        if (t == Integer.class || t == int.class || t == Long.class || t == long.class) {
            return "an integer";
        }
        if (t == Double.class || t == double.class || t == Float.class || t == float.class) {
            return "a number";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (t == String.class) {
            return "a word";
        }
        if (java.util.Collection.class.isAssignableFrom(t)) {
            return "a list such as [1, 2]";
        }
        return "a mapping of keys to values";
    }

    /** The value at {@code path} (dotted, with [i] indices) as the user wrote it, quoted. */
    private static String given(JsonNode tree, String path) {
        JsonNode n = tree;
        for (String part : path.split("\\.")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([^\\[]+)((?:\\[\\d+\\])*)").matcher(part);
            if (!m.matches()) {
                return "something else";
            }
            n = n.path(m.group(1));
            java.util.regex.Matcher idx = java.util.regex.Pattern.compile("\\[(\\d+)\\]").matcher(m.group(2));
            while (idx.find()) {
                n = n.isArray() ? n.path(Integer.parseInt(idx.group(1))) : n; // a single value given for a list
            }
        }
        if (n.isMissingNode()) {
            return "something else";
        }
        String text = n.isValueNode() ? n.asText() : n.toString();
        return "'" + (text.length() > 40 ? text.substring(0, 40) + "..." : text) + "'";
    }

    /** {@code " (did you mean 'x'?)"} for the closest candidate within a few edits, else "". */
    static String suggest(String word, java.util.Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(word, c);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best != null && bestDistance <= Math.max(2, word.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    /** Levenshtein distance. */
    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return String.join(", ", names);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return (nl < 0 ? s : s.substring(0, nl)).strip();
    }
}
