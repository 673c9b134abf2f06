package bitgrad.transforms;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every stage, in DAG order (each after its inputs): the one list a new built-in stage is added to.
 * A module higher up (or a plug-in jar) adds stages through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/bitgrad.transforms.Stage}); they run after the built-in ones.
 */
public final class Stages {

    /** Stage {@code generate-data}. */
    public static final GenerateDataStage GENERATE_DATA = new GenerateDataStage();
    /** Stage {@code init-models}. */
    public static final InitModelsStage INIT_MODELS = new InitModelsStage();
    /** Stage {@code pretrain}. */
    public static final PretrainStage PRETRAIN = new PretrainStage();
    /** Stage {@code estimate}. */
    public static final EstimateStage ESTIMATE = new EstimateStage();
    /** Stage {@code lr-sweep}. */
    public static final LrSweepStage LR_SWEEP = new LrSweepStage();
    /** Stage {@code cosine}. */
    public static final CosineStage COSINE = new CosineStage();
    /** Stage {@code smoothing}. */
    public static final SmoothingStage SMOOTHING = new SmoothingStage();
    /** Stage {@code layer-sweep}. */
    public static final LayerSweepStage LAYER_SWEEP = new LayerSweepStage();
    /** Stage {@code nes-snr}. */
    public static final NesSnrStage NES_SNR = new NesSnrStage();
    /** Stage {@code probe}. */
    public static final ProbeStage PROBE = new ProbeStage();
    /** Stage {@code rosenbrock}. */
    public static final RosenbrockStage ROSENBROCK = new RosenbrockStage();
    /** Stage {@code gradcheck}. */
    public static final GradCheckStage GRADCHECK = new GradCheckStage();
    /** Stage {@code image-data}. */
    public static final ImageDataStage IMAGE_DATA = new ImageDataStage();
    /** Stage {@code resnet-pretrain}. */
    public static final ResNetPretrainStage RESNET_PRETRAIN = new ResNetPretrainStage();
    /** Stage {@code resnet-grad}. */
    public static final ResNetGradStage RESNET_GRAD = new ResNetGradStage();
    /** Stage {@code summary}. */
    public static final SummaryStage SUMMARY = new SummaryStage();

    private static final Map<String, Stage<?>> STAGES = new LinkedHashMap<>();

    static {
        for (Stage<?> s : List.<Stage<?>>of(GENERATE_DATA, INIT_MODELS, PRETRAIN, ESTIMATE, LR_SWEEP, COSINE, LAYER_SWEEP, SMOOTHING, NES_SNR, PROBE, ROSENBROCK, GRADCHECK, IMAGE_DATA,
                RESNET_PRETRAIN, RESNET_GRAD, SUMMARY)) {
            STAGES.put(s.name(), s);
        }
        // stages plugged in by other modules (figures and report live with the CLI): after the built-in ones
        for (Stage<?> s : java.util.ServiceLoader.load(Stage.class)) {
            STAGES.putIfAbsent(s.name(), s);
        }
    }

    private Stages() {
    }

    /** Stage names in an order where every stage comes after its inputs. */
    public static List<String> names() {
        return List.copyOf(STAGES.keySet());
    }

    /** The stage named {@code name}. */
    public static Stage<?> get(String name) {
        Stage<?> s = STAGES.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown stage '" + name + "'; stages: " + String.join(", ", STAGES.keySet()));
        }
        return s;
    }

    /**
     * Verifies a cached artifact of {@code stage}: its manifest, checksums and Arrow schemas, and
     * that every file the stage declares is there (an unknown stage's artifact: the manifest alone).
     */
    public static bitgrad.schemas.ArtifactStore.Check check(bitgrad.schemas.ArtifactStore store, String stage, String key) {
        Stage<?> s = STAGES.get(stage);
        return store.check(stage, key, s == null ? List.of() : s.requiredFiles());
    }

    /**
     * Code version of {@code stage} as its keys hold it ({@link Stage#codeVersion}): the stage's own
     * version, with its algorithms' versions where it declares any.
     */
    public static String version(String stage) {
        return get(stage).codeVersion();
    }

    /** The Beam transform of {@code stage}. */
    public static StageTransform transform(String stage, String store, boolean force) {
        get(stage);
        return new StageTransform(stage, store, force);
    }
}
