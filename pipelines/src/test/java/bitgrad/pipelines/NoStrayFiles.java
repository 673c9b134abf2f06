package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Applied to every test of this module (registered in META-INF/services, autodetection on in
 * junit-platform.properties): a test that leaves a new file or folder in the working directory
 * (the module folder, e.g. a run written without {@code --runs-dir}) fails. Tests write only into
 * their temporary folders.
 */
public final class NoStrayFiles implements BeforeEachCallback, AfterEachCallback {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoStrayFiles.class);

    private static Set<String> listing() throws IOException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> s = Files.list(Path.of("").toAbsolutePath())) {
            s.forEach(p -> names.add(p.getFileName().toString()));
        }
        return names;
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        context.getStore(NS).put("before", listing());
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        @SuppressWarnings("unchecked")
        Set<String> before = (Set<String>) context.getStore(NS).get("before");
        Set<String> after = listing();
        after.removeAll(before);
        assertEquals(Set.of(), after, "the test wrote outside its temporary folder, into " + Path.of("").toAbsolutePath());
    }
}
