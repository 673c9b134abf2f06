package bitgrad.transforms;

import bitgrad.models.images.ImageSet;
import bitgrad.schemas.Tables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Stage {@code image-data}: the image set of the ResNet experiment (tensors {@code images (N, 3, 32, 32)} and {@code labels (N)}). */
public final class ImageDataStage extends Stage<ImageDataStage.Params> {

    /**
     * @param source synthetic or cifar10
     * @param path the CIFAR-10 binary folder (cifar10 only)
     * @param images N, images kept
     * @param seed seed of the synthetic set (synthetic only)
     */
    public record Params(String source, String path, int images, Long seed) {
    }

    /** The images and labels. */
    public static final Output IMAGES = new Output("images.arrow", Tables.TENSORS);

    public ImageDataStage() {
        super("image-data", 1, Params.class, IMAGES);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        ImageSet set = p.source().equals("cifar10") ? ImageSet.cifar10(Path.of(p.path()), p.images()) : ImageSet.synthetic(p.seed(), p.images());
        c.write(IMAGES, set.toParams());
        return p.source() + " images=" + p.images();
    }

    /** The image set of an input {@code image-data} artifact. */
    static ImageSet read(StageContext<?> c, TaskRef ref) throws IOException {
        return ImageSet.fromParams(c.readParams(ref, IMAGES));
    }
}
