package bitgrad.transforms;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** Every stage by name, in DAG order, with the version of its code (part of every cache key). */
public final class Stages {

    private record Entry(int version, BiFunction<String, Boolean, StageTransform> factory) {
    }

    private static final Map<String, Entry> STAGES = new LinkedHashMap<>();

    static {
        STAGES.put(GenerateData.NAME, new Entry(1, GenerateData::new));
        STAGES.put(InitModels.NAME, new Entry(1, InitModels::new));
        STAGES.put(Pretrain.NAME, new Entry(1, Pretrain::new));
        STAGES.put(Estimate.NAME, new Entry(1, Estimate::new));
        STAGES.put(LrSweepStage.NAME, new Entry(2, LrSweepStage::new));
        STAGES.put(Probe.NAME, new Entry(1, Probe::new));
        STAGES.put(RosenbrockStage.NAME, new Entry(1, RosenbrockStage::new));
        STAGES.put(ImageData.NAME, new Entry(1, ImageData::new));
        STAGES.put(ResNetPretrain.NAME, new Entry(2, ResNetPretrain::new));
        STAGES.put(ResNetGrad.NAME, new Entry(2, ResNetGrad::new));
        STAGES.put(Summarize.NAME, new Entry(3, Summarize::new));
    }

    private Stages() {
    }

    /** Stage names in an order where every stage comes after its inputs. */
    public static List<String> names() {
        return List.copyOf(STAGES.keySet());
    }

    /** Code version of {@code stage}: bump it when the stage's output for the same parameters changes. */
    public static int version(String stage) {
        return entry(stage).version();
    }

    /** The Beam transform of {@code stage}. */
    public static StageTransform transform(String stage, String store, boolean force) {
        return entry(stage).factory().apply(store, force);
    }

    private static Entry entry(String stage) {
        Entry e = STAGES.get(stage);
        if (e == null) {
            throw new IllegalArgumentException("unknown stage '" + stage + "'; stages: " + String.join(", ", STAGES.keySet()));
        }
        return e;
    }
}
