package bitgrad.pipelines.export;

import bitgrad.schemas.ColumnTable;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A table as CSV: a header, one line per row, empty for a missing value, text quoted when it must be, numbers in full. */
public final class Csv {

    private Csv() {
    }

    /** Writes {@code t} to {@code out}. */
    public static void write(ColumnTable t, PrintWriter out) {
        out.println(String.join(",", t.columns().keySet().stream().map(Csv::quote).toList()));
        for (int r = 0; r < t.rows(); r++) {
            List<String> row = new ArrayList<>();
            for (String c : t.columns().keySet()) {
                row.add(quote(cell(t.get(c, r))));
            }
            out.println(String.join(",", row));
        }
    }

    /** One value as text: lists space-separated in brackets, doubles round-tripping exactly. */
    public static String cell(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof float[] f) {
            StringBuilder sb = new StringBuilder("[");
            for (int i = 0; i < f.length; i++) {
                sb.append(i > 0 ? " " : "").append(f[i]);
            }
            return sb.append("]").toString();
        }
        if (v instanceof long[] l) {
            return java.util.Arrays.toString(l).replace(",", "");
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%s", d);
        }
        return v.toString();
    }

    private static String quote(String s) {
        return s.contains(",") || s.contains(" ") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
