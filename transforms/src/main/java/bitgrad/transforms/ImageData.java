package bitgrad.transforms;

import bitgrad.models.images.ImageSet;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.Schemas;
import java.nio.file.Path;
import java.util.Map;

/**
 * Stage {@code image-data}: the image set of the ResNet experiment, {@code images.arrow}
 * (tensors {@code images (N, 3, 32, 32)} and {@code labels (N)}). Parameters {@code source}
 * ({@code synthetic} or {@code cifar10}), {@code path} (the CIFAR-10 binary folder),
 * {@code images} (N), {@code seed} (synthetic only).
 */
public final class ImageData extends StageTransform {

    /** Stage name. */
    public static final String NAME = "image-data";

    /** Output file. */
    public static final String FILE = "images.arrow";

    public ImageData(String store, boolean force) {
        super(store, force);
    }

    @Override
    protected StageFn fn(String store, boolean force) {
        return new ImageDataFn(store, force);
    }

    static final class ImageDataFn extends StageFn {
        ImageDataFn(String store, boolean force) {
            super(store, force);
        }

        @Override
        protected String compute(Task task, ArtifactStore.Pending out, Map<String, Object> info) throws Exception {
            int n = task.param("images").asInt();
            String source = task.param("source").asText();
            ImageSet set = source.equals("cifar10") ? ImageSet.cifar10(Path.of(task.param("path").asText()), n)
                    : ImageSet.synthetic(task.param("seed").asLong(), n);
            ArrowFiles.write(out.file(FILE), Schemas.toTable(set.toParams()));
            return source + " images=" + n;
        }
    }

    /** The image set of an {@code image-data} artifact. */
    static ImageSet read(StageFn fn, TaskRef ref) throws java.io.IOException {
        return ImageSet.fromParams(fn.readParams(ref, FILE));
    }
}
