package bitgrad.models.images;

import bitgrad.models.HostRandom;
import bitgrad.models.Seeds;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A labelled set of 3x32x32 images, normalised per channel: CIFAR-10 read from its standard
 * binary files, or a seeded synthetic set (class templates plus noise) that needs no data.
 *
 * @param count number of images
 * @param pixels {@code count * 3072} values, image-major, channel-major inside (NCHW)
 * @param labels class of each image, 0..9
 */
public record ImageSet(int count, float[] pixels, int[] labels) {

    /** Values per image. */
    public static final int IMAGE = 3 * 32 * 32;
    private static final int CIFAR_RECORD = 1 + IMAGE;
    private static final double[] CIFAR_MEAN = {0.4914, 0.4822, 0.4465};
    private static final double[] CIFAR_STD = {0.2470, 0.2435, 0.2616};

    public ImageSet {
        if (pixels.length != (long) count * IMAGE || labels.length != count) {
            throw new IllegalArgumentException("image set of " + count + " needs " + count * IMAGE + " pixels and labels");
        }
    }

    /**
     * {@code n} synthetic images: each class is a texture (three random 2-D waves per channel);
     * an image is its class texture circularly shifted by up to 4 pixels each way, plus unit
     * Gaussian noise (about the texture's scale): learnable, not trivial.
     */
    public static ImageSet synthetic(long seed, int n) {
        float[][] templates = new float[10][IMAGE];
        for (int c = 0; c < 10; c++) {
            SplittableRandom r = new SplittableRandom(Seeds.derive(seed, "template", c));
            for (int ch = 0; ch < 3; ch++) {
                for (int wave = 0; wave < 3; wave++) {
                    double fx = r.nextInt(1, 5) * 2 * Math.PI / 32;
                    double fy = r.nextInt(1, 5) * 2 * Math.PI / 32;
                    double phase = r.nextDouble(0, 2 * Math.PI);
                    for (int y = 0; y < 32; y++) {
                        for (int x = 0; x < 32; x++) {
                            templates[c][ch * 1024 + y * 32 + x] += (float) (0.6 * Math.sin(fx * x + fy * y + phase));
                        }
                    }
                }
            }
        }
        SplittableRandom r = new SplittableRandom(Seeds.derive(seed, "labels"));
        int[] labels = new int[n];
        float[] pixels = new float[n * IMAGE];
        for (int i = 0; i < n; i++) {
            labels[i] = r.nextInt(10);
            int dx = r.nextInt(-4, 5);
            int dy = r.nextInt(-4, 5);
            HostRandom.gaussian(Seeds.derive(seed, "noise", i), pixels, i * IMAGE, IMAGE);
            float[] t = templates[labels[i]];
            for (int ch = 0; ch < 3; ch++) {
                for (int y = 0; y < 32; y++) {
                    for (int x = 0; x < 32; x++) {
                        int k = i * IMAGE + ch * 1024 + y * 32 + x;
                        pixels[k] = pixels[k] + t[ch * 1024 + ((y + dy) & 31) * 32 + ((x + dx) & 31)];
                    }
                }
            }
        }
        return new ImageSet(n, pixels, labels);
    }

    /** The training files of a CIFAR-10 binary folder ({@code data_batch_1.bin .. 5}), or why there are none. */
    public static List<Path> cifarFiles(Path dir) {
        Path d = Files.isDirectory(dir.resolve("cifar-10-batches-bin")) ? dir.resolve("cifar-10-batches-bin") : dir;
        if (!Files.isDirectory(d)) {
            throw new IllegalArgumentException("data.cifar10: no such folder: " + dir);
        }
        List<Path> files = new java.util.ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            Path f = d.resolve("data_batch_" + i + ".bin");
            if (Files.isRegularFile(f)) {
                files.add(f);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("data.cifar10: " + dir + " holds no data_batch_1.bin (the CIFAR-10 binary version)");
        }
        return files;
    }

    /** The first {@code n} training images of the CIFAR-10 binary files under {@code dir}, normalised per channel. */
    public static ImageSet cifar10(Path dir, int n) throws IOException {
        float[] pixels = new float[n * IMAGE];
        int[] labels = new int[n];
        int i = 0;
        byte[] rec = new byte[CIFAR_RECORD];
        for (Path f : cifarFiles(dir)) {
            if (Files.size(f) % CIFAR_RECORD != 0) {
                throw new IllegalArgumentException("data.cifar10: " + f + " is not a CIFAR-10 binary file (size "
                        + Files.size(f) + " is not a multiple of " + CIFAR_RECORD + ")");
            }
            try (InputStream in = new java.io.BufferedInputStream(Files.newInputStream(f), 1 << 20)) {
                while (i < n && in.readNBytes(rec, 0, CIFAR_RECORD) == CIFAR_RECORD) {
                    if (rec[0] < 0 || rec[0] > 9) {
                        throw new IllegalArgumentException("data.cifar10: " + f + " has label " + rec[0] + " (not CIFAR-10)");
                    }
                    labels[i] = rec[0];
                    for (int k = 0; k < IMAGE; k++) {
                        int ch = k / 1024;
                        pixels[i * IMAGE + k] = (float) (((rec[1 + k] & 0xff) / 255.0 - CIFAR_MEAN[ch]) / CIFAR_STD[ch]);
                    }
                    i++;
                }
            }
        }
        if (i < n) {
            throw new IllegalArgumentException("data.cifar10: asked for " + n + " images, the files hold " + i);
        }
        return new ImageSet(n, pixels, labels);
    }

    /** The images at {@code index}, as {@code (index.length, 3, 32, 32)} pixels, and their labels. */
    public ImageSet select(int[] index) {
        float[] p = new float[index.length * IMAGE];
        int[] l = new int[index.length];
        for (int i = 0; i < index.length; i++) {
            System.arraycopy(pixels, index[i] * IMAGE, p, i * IMAGE, IMAGE);
            l[i] = labels[index[i]];
        }
        return new ImageSet(index.length, p, l);
    }

    /** The first {@code n} images. */
    public ImageSet head(int n) {
        int[] idx = new int[Math.min(n, count)];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        return select(idx);
    }

    /** One-hot labels, {@code (count, 10)}. */
    public float[] oneHot() {
        float[] out = new float[count * 10];
        for (int i = 0; i < count; i++) {
            out[i * 10 + labels[i]] = 1;
        }
        return out;
    }

    /** As two tensors, {@code images (N, 3, 32, 32)} and {@code labels (N)}. */
    public ParamSet toParams() {
        float[] l = new float[count];
        for (int i = 0; i < count; i++) {
            l[i] = labels[i];
        }
        return new ParamSet(List.of(new HostTensor("images", new long[] {count, 3, 32, 32}, pixels),
                new HostTensor("labels", new long[] {count}, l)));
    }

    /** The inverse of {@link #toParams}. */
    public static ImageSet fromParams(ParamSet p) {
        float[] l = p.get(1).data();
        int[] labels = new int[l.length];
        for (int i = 0; i < l.length; i++) {
            labels[i] = Math.round(l[i]);
        }
        return new ImageSet(labels.length, p.get(0).data(), labels);
    }
}
