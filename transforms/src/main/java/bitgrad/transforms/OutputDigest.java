package bitgrad.transforms;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A digest of what an artifact says, not of its bytes: every table's kind, columns and values, with
 * numbers rounded to 4 significant digits, so that a changed result changes it and the last bits of
 * a float (another CPU's summation order) do not. Files that are not tables (figures) are left out.
 * The cache-key guard holds these digests against the stages' code versions.
 */
public final class OutputDigest {

    private OutputDigest() {
    }

    /** The digest of the Arrow tables of artifact {@code ref} (in file-name order). */
    public static String of(ArtifactStore store, TaskRef ref) throws IOException {
        ArtifactStore.Check c = store.check(ref.stage(), ref.key());
        if (!c.valid()) {
            throw new IOException(ref + " is not a valid artifact: " + c.reason());
        }
        List<ColumnTable> tables = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(c.manifest().files().keySet())) {
            if (name.endsWith(".arrow")) {
                tables.add(ArrowFiles.read(store.file(ref.stage(), ref.key(), name)));
            }
        }
        return of(tables);
    }

    /** The digest of {@code tables}. */
    public static String of(List<ColumnTable> tables) {
        StringBuilder sb = new StringBuilder();
        for (ColumnTable t : tables) {
            sb.append(t.kind()).append('\n');
            for (Map.Entry<String, ?> col : t.columns().entrySet()) {
                sb.append(col.getKey()).append(':').append(col.getValue()).append('\n');
                for (Object v : t.column(col.getKey())) {
                    sb.append(text(v)).append('|');
                }
                sb.append('\n');
            }
        }
        return ArtifactStore.sha256(sb.toString());
    }

    private static String text(Object v) {
        if (v instanceof Double d) {
            return round(d);
        }
        if (v instanceof Float f) {
            return round(f);
        }
        if (v instanceof float[] a) {
            StringBuilder sb = new StringBuilder();
            for (float x : a) {
                sb.append(round(x)).append(',');
            }
            return sb.toString();
        }
        if (v instanceof long[] a) {
            return java.util.Arrays.toString(a);
        }
        return String.valueOf(v);
    }

    private static String round(double x) {
        if (x == 0 || Double.isNaN(x) || Double.isInfinite(x)) {
            return Double.toString(x == 0 ? 0.0 : x); // -0 and +0 are the same result
        }
        return String.format(Locale.ROOT, "%.3e", x);
    }
}
