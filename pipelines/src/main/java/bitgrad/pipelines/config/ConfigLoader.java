package bitgrad.pipelines.config;

import bitgrad.models.estimators.NesEstimator;

import bitgrad.models.measure.RosenbrockDescent;
import bitgrad.models.quant.Quantizer;
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
import java.util.Set;

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
        validate(config);
        inherited.addAll(sets);
        return new Loaded(config, tree, source, List.copyOf(inherited));
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
        ObjectNode node = tree;
        if (path[0].equals(EXTENSIONS) && path.length >= 3) {
            // extensions.NAME.KEY=value: any key (the extension's planner checks its settings)
            for (int i = 0; i < path.length - 1; i++) {
                JsonNode next = node.get(path[i]);
                node = next != null && next.isObject() ? (ObjectNode) next : node.putObject(path[i]);
            }
            String text = set.substring(eq + 1).trim();
            if (text.isEmpty()) {
                throw new ConfigException("--set " + key + " needs a value");
            }
            node.set(path[path.length - 1], parse(text, "--set " + key));
            return;
        }
        for (int i = 0; i < path.length - 1; i++) {
            JsonNode next = node.get(path[i]);
            if (next == null || !next.isObject()) {
                throw new ConfigException("unknown --set key '" + key + "'");
            }
            node = (ObjectNode) next;
        }
        String last = path[path.length - 1];
        JsonNode old = node.get(last);
        if (old == null) {
            List<String> known = new ArrayList<>();
            node.fieldNames().forEachRemaining(known::add);
            throw new ConfigException("unknown --set key '" + key + "'" + suggest(last, known) + "; known here: " + fieldNames(node));
        }
        if (old.isObject()) {
            throw new ConfigException("--set " + key + " names a section; set one of its keys: " + fieldNames(old));
        }
        String text = set.substring(eq + 1).trim();
        if (text.isEmpty()) {
            throw new ConfigException("--set " + key + " needs a value");
        }
        node.set(last, parse(text, "--set " + key));
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

    /** Largest accepted sizes (of {@code run} and {@code bench}): far beyond the notes' experiments, small enough that no count overflows. */
    public static final int MAX_DIM = 4096;
    public static final int MAX_DEPTH = 64;
    public static final long MAX_ROWS = 100_000_000L;
    public static final int MAX_SAMPLES = 10_000_000;
    public static final int MAX_LRS = 100_000;
    /** Repeats (inits, batches, Rosenbrock starts): the notes use 3-5, the statistics want 10-30. */
    public static final int MAX_REPEATS = 100;
    /** Draws averaged in one estimate (sr-STE's k, stochastic STE's k). */
    public static final int MAX_DRAWS = 1000;
    /** Rosenbrock's dimension and step counts. */
    static final int MAX_ROSENBROCK_N = 1_000_000;
    static final int MAX_STEPS = 100_000_000;
    /** The largest learning rate a sweep may reach: a step this long along a unit direction is far past any weight's scale. */
    static final double MAX_LR = 1000;

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

    private static void validate(ExperimentConfig c) {
        require(c.name() != null && c.name().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,63}"),
                "name must be 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit), got '" + c.name() + "'");
        c.dims().forEach(d -> require(d == null || d <= MAX_DIM, "dims must be <= " + MAX_DIM + ", got " + d));
        require(c.questions().smoothingSamples() >= 2 && c.questions().smoothingSamples() <= 100_000,
                "questions.smoothing_samples must be 2..100000, got " + c.questions().smoothingSamples());
        require(!c.questions().nesSnrSamples().isEmpty() && increasing(c.questions().nesSnrSamples()) && c.questions().nesSnrSamples().stream().allMatch(v -> v <= MAX_SAMPLES),
                "questions.nes_snr_samples must be increasing counts 1.." + MAX_SAMPLES + ", got " + c.questions().nesSnrSamples());
        require(c.questions().nesSnrSeeds() >= 2 && c.questions().nesSnrSeeds() <= 1000,
                "questions.nes_snr_seeds must be 2..1000, got " + c.questions().nesSnrSeeds());
        c.questions().nesDims().forEach(d -> require(d != null && d >= 1 && d <= MAX_DIM && (long) d * c.data().sliceRows() < Integer.MAX_VALUE,
                "questions.nes_dims must be widths 1.." + MAX_DIM + " (and x data.slice_rows below 2^31), got " + d));
        require(!c.questions().nesSnr() || !c.estimators().nes().sigma().isEmpty(),
                "questions.nes_snr measures NES at estimators.nes.sigma: list at least one sigma");
        require(c.model().depth() <= MAX_DEPTH, "model.depth must be <= " + MAX_DEPTH + ", got " + c.model().depth());
        c.data().batch().forEach(b -> require(b == null || b <= MAX_ROWS, "data.batch must be <= " + MAX_ROWS + " rows, got " + b));
        c.dims().forEach(d -> require(d == null || (long) d * c.data().sliceRows() < Integer.MAX_VALUE,
                "data.slice_rows x dim must stay below 2^31 values per slice, got " + c.data().sliceRows() + " x " + d));
        c.estimators().nes().samples().forEach(v -> require(v == null || v <= MAX_SAMPLES,
                "estimators.nes.samples must be <= " + MAX_SAMPLES + ", got " + v));
        require(c.sweep().lrCount() <= MAX_LRS, "sweep.lr_count must be <= " + MAX_LRS + ", got " + c.sweep().lrCount());
        require(!c.dims().isEmpty() || c.rosenbrock().enabled() || c.resnet().enabled(),
                "dims must list at least one width (or enable rosenbrock or resnet)");
        c.dims().forEach(d -> require(d != null && d >= 1, "dims must be >= 1, got " + d));
        require(c.numInit() >= 1 && c.numInit() <= MAX_REPEATS, "num_init must be 1.." + MAX_REPEATS + ", got " + c.numInit());
        require(c.data().numBatch() <= MAX_REPEATS, "data.num_batch must be <= " + MAX_REPEATS + ", got " + c.data().numBatch());
        require(c.model().depth() >= 0, "model.depth must be >= 0");
        require(!c.model().activation().isEmpty(), "model.activation must name at least one activation");
        require(bitgrad.models.nets.MlpSpec.TEACHERS.contains(c.model().teacher()), "model.teacher must be one of "
                + String.join(", ", bitgrad.models.nets.MlpSpec.TEACHERS) + ", got '" + c.model().teacher() + "'");
        for (String a : c.model().activation()) {
            try {
                Quantizer.parse(String.valueOf(a));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("model.activation: " + e.getMessage());
            }
        }
        require(!c.data().batch().isEmpty() && c.data().batch().stream().allMatch(b -> b != null && b >= 1),
                "data.batch values must be >= 1");
        require(c.data().numBatch() >= 1 && c.data().sliceRows() >= 1, "data.num_batch and data.slice_rows must be >= 1");
        require(!c.pretrain().enabled().isEmpty() && !c.pretrain().enabled().contains(null), "pretrain.enabled must be true, false or a list of them");
        require(Set.of("sgd", "adam").contains(c.pretrain().optimizer()), "pretrain.optimizer must be sgd or adam");
        require(positive(c.pretrain().lr()), "pretrain.lr must be > 0");
        require(c.pretrain().steps() >= 0, "pretrain.steps must be >= 0");
        require(c.pretrain().batch() >= 1 && c.pretrain().batch() <= 65536, "pretrain.batch must be in 1..65536");
        ExperimentConfig.Estimators e = c.estimators();
        e.cdg().eps().forEach(v -> require(positive(v), "estimators.cdg.eps values must be > 0, got " + v));
        require(Set.of("delta", "dense").contains(e.cdg().method()), "estimators.cdg.method must be delta or dense, got '"
                + e.cdg().method() + "'");
        e.nes().sigma().forEach(v -> require(positive(v), "estimators.nes.sigma values must be > 0, got " + v));
        e.nes().samples().forEach(v -> require(v != null && v >= 1, "estimators.nes.samples values must be >= 1, got " + v));
        e.srSte().tau().forEach(v -> require(positive(v), "estimators.sr_ste.tau values must be > 0, got " + v));
        e.srSte().k().forEach(v -> require(v != null && v >= 1 && v <= MAX_DRAWS, "estimators.sr_ste.k values must be 1.." + MAX_DRAWS
                + ", got " + v));
        e.srSte().backward().forEach(b -> require(Set.of("relaxed", "quantizer").contains(b),
                "estimators.sr_ste.backward values must be quantizer or relaxed, got '" + b + "'"));
        e.srSte().forward().forEach(f -> require(Set.of("stochastic", "deterministic").contains(f),
                "estimators.sr_ste.forward values must be stochastic or deterministic, got '" + f + "'"));
        e.nes().modes().forEach(m -> require(java.util.Arrays.stream(NesEstimator.Form.values()).anyMatch(f -> f.word().equals(m)),
                "estimators.nes.modes values must be antithetic, one-sided or no-baseline, got " + m));
        for (int i = 0; i < e.extra().size(); i++) {
            try {
                bitgrad.models.estimators.Estimators.decode(e.extra().get(i));
            } catch (IllegalArgumentException bad) {
                throw new ConfigException("estimators.extra[" + i + "]: " + bad.getMessage());
            }
        }
        boolean any = e.ste() || !e.cdg().eps().isEmpty() || !e.steRandom().keep().isEmpty() || !e.extra().isEmpty()
                || (!e.nes().sigma().isEmpty() && !e.nes().samples().isEmpty() && !e.nes().modes().isEmpty())
                || (!e.srSte().tau().isEmpty() && !e.srSte().k().isEmpty());
        require(any, "estimators: enable at least one estimator");
        e.steRandom().keep().forEach(v -> require(v != null && v > 0 && v <= 1, "estimators.ste_random.keep values must be in (0, 1]"));
        e.steRandom().k().forEach(v -> require(v != null && v >= 1 && v <= MAX_DRAWS, "estimators.ste_random.k values must be 1.."
                + MAX_DRAWS));
        ExperimentConfig.Probes p = c.probes();
        require(p.nesDirections() >= 1 && p.candidates() >= 1 && p.srSamples() >= 1 && p.lrPoints() >= 1,
                "probes.nes_directions, candidates, sr_samples and lr_points must be >= 1");
        require(p.nesDirections() <= MAX_SAMPLES && p.candidates() <= MAX_SAMPLES && p.srSamples() <= MAX_SAMPLES
                && p.lrPoints() <= MAX_LRS, "probes.nes_directions, candidates and sr_samples must be <= " + MAX_SAMPLES
                + " and probes.lr_points <= " + MAX_LRS);
        require(p.radii().size() <= MAX_LRS, "probes.radii must list at most " + MAX_LRS + " radii");
        p.radii().forEach(v -> require(v != null && v >= 0, "probes.radii values must be >= 0"));
        require(!p.enabled() || e.ste(), "probes need estimators.ste=true");
        require(c.sweep().lrCount() >= 1, "sweep.lr_count must be >= 1");
        require(positive(c.sweep().lrStart()) && positive(c.sweep().lrStep()), "sweep.lr_start and sweep.lr_step must be > 0, got "
                + c.sweep().lrStart() + " and " + c.sweep().lrStep());
        double lastLr = c.sweep().lrStart() + (c.sweep().lrCount() - 1) * c.sweep().lrStep();
        require(lastLr <= MAX_LR, "the sweep's largest learning rate (lr_start + (lr_count - 1) x lr_step) must be <= " + MAX_LR
                + " (steps are along unit-norm directions), got " + lastLr);
        require(Set.of("per_tensor", "global").contains(c.sweep().normalize()), "sweep.normalize must be per_tensor or global");
        require(c.sweep().method() == null || Set.of("line", "copies").contains(c.sweep().method()),
                "sweep.method must be line or copies, got '" + c.sweep().method() + "'");
        require(c.threads() >= 0 && c.threads() <= 1024, "threads must be 0 (all cores) or a count of cores, got " + c.threads());
        ExperimentConfig.Rosenbrock r = c.rosenbrock();
        require(r.n() >= 2 && r.n() % 2 == 0 && r.n() <= MAX_ROSENBROCK_N, "rosenbrock.n must be even and in 2.." + MAX_ROSENBROCK_N
                + ", got " + r.n());
        require(r.starts() >= 1 && r.steps() >= 1 && r.decayEvery() >= 1 && r.nesSamples() >= 1 && r.nesSteps() >= 1,
                "rosenbrock.starts, steps, nes_steps, decay_every and nes_samples must be >= 1");
        require(r.starts() <= MAX_REPEATS, "rosenbrock.starts must be <= " + MAX_REPEATS + ", got " + r.starts());
        require(r.steps() <= MAX_STEPS && r.nesSteps() <= MAX_STEPS, "rosenbrock.steps and nes_steps must be <= " + MAX_STEPS);
        require(r.nesSamples() <= MAX_SAMPLES, "rosenbrock.nes_samples must be <= " + MAX_SAMPLES + ", got " + r.nesSamples());
        require(positive(r.lr()) && positive(r.sgdLr()) && r.decay() > 0 && r.decay() <= 1,
                "rosenbrock.lr and sgd_lr must be > 0 and decay in (0, 1]");
        require(positive(r.perturbationFloor()), "rosenbrock.perturbation_floor must be > 0");
        require(!r.optimizers().isEmpty(), "rosenbrock.optimizers must list at least one of " + RosenbrockDescent.OPTIMIZERS);
        r.optimizers().forEach(o -> require(RosenbrockDescent.OPTIMIZERS.contains(o),
                "rosenbrock.optimizers: unknown optimizer '" + o + "' (known: " + RosenbrockDescent.OPTIMIZERS + ")"));
        r.cdgEps().forEach(v -> require(positive(v), "rosenbrock.cdg_eps values must be > 0, got " + v));
        r.nesSigma().forEach(v -> require(positive(v), "rosenbrock.nes_sigma values must be > 0, got " + v));
        ExperimentConfig.GradCheck g = r.gradcheck();
        g.eps().forEach(v -> require(positive(v), "rosenbrock.gradcheck.eps values must be > 0, got " + v));
        g.sigma().forEach(v -> require(positive(v), "rosenbrock.gradcheck.sigma values must be > 0, got " + v));
        require(increasing(g.samples()) && g.samples().stream().allMatch(v -> v <= MAX_SAMPLES),
                "rosenbrock.gradcheck.samples must be increasing counts 1.." + MAX_SAMPLES);
        require(increasing(g.pathSteps()) && g.pathSteps().stream().allMatch(v -> v <= MAX_STEPS),
                "rosenbrock.gradcheck.path_steps must be increasing counts 1.." + MAX_STEPS);
        validateResnet(c);
    }

    private static boolean increasing(List<Integer> v) {
        for (int i = 0; i < v.size(); i++) {
            if (v.get(i) == null || v.get(i) < 1 || i > 0 && v.get(i) <= v.get(i - 1)) {
                return false;
            }
        }
        return true;
    }

    private static void validateResnet(ExperimentConfig c) {
        ExperimentConfig.Resnet n = c.resnet();
        require(c.estimators().cdg().coords() >= 0, "estimators.cdg.coords must be >= 0 (0: all coordinates)");
        require(c.estimators().cdg().coords() == 0 || n.enabled(), "estimators.cdg.coords samples coordinates of the resnet experiment only");
        require(c.data().cifar10().isEmpty() || n.enabled(), "data.cifar10 is read by the resnet experiment only");
        if (!n.enabled()) {
            return;
        }
        require(!n.channels().isEmpty() && n.channels().stream().allMatch(v -> v != null && v >= 1 && v <= 256),
                "resnet.channels values must be in 1..256");
        require(!n.binaryWeights().isEmpty() && !n.binaryWeights().contains(null), "resnet.binary_weights must be true, false or a list of them");
        require(!n.layers().isEmpty() && n.layers().stream().allMatch(v -> v != null && v >= 1 && v <= 16),
                "resnet.layers values must be binary conv numbers 1..16");
        try {
            Quantizer.parse(n.activation());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("resnet.activation: " + e.getMessage());
        }
        require(Set.of("sgd", "adam").contains(n.optimizer()), "resnet.optimizer must be sgd or adam");
        require(positive(n.lr()), "resnet.lr must be > 0");
        require(n.steps() >= 0, "resnet.steps must be >= 0");
        require(n.images() >= 1 && n.images() <= 50000, "resnet.images must be in 1..50000");
        require(n.batch() >= 1 && n.batch() <= 4096, "resnet.batch must be in 1..4096");
        require(n.gradBatch() >= 1 && n.gradBatch() <= n.images(), "resnet.grad_batch must be in 1..resnet.images");
        require(!c.estimators().cdg().eps().isEmpty(), "the resnet experiment needs at least one estimators.cdg.eps");
        if (!c.data().cifar10().isEmpty()) {
            try {
                bitgrad.models.images.ImageSet.cifarFiles(Path.of(c.data().cifar10()));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
    }

    private static boolean positive(Double v) {
        return v != null && v > 0 && !v.isInfinite();
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
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
