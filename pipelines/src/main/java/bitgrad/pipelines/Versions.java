package bitgrad.pipelines;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Versions of bitgrad and the libraries it was built against (filtered in at build time). */
public final class Versions {

    private static final Properties PROPS = load();

    private Versions() {
    }

    private static Properties load() {
        Properties p = new Properties();
        for (String file : new String[] {"/bitgrad-version.properties", "/bitgrad-build.properties"}) {
            try (InputStream in = Versions.class.getResourceAsStream(file)) {
                if (in != null) {
                    p.load(in);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    /**
     * A value such as {@code version}, {@code djl}, {@code pytorch}, {@code beam}, {@code arrow}, or
     * the build's {@code git_commit} and {@code git_dirty} (recorded by {@code scripts/build-commit}).
     */
    public static String get(String key) {
        return PROPS.getProperty(key, "unknown");
    }
}
