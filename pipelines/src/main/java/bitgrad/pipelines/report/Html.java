package bitgrad.pipelines.report;

import bitgrad.schemas.ColumnTable;
import java.util.List;
import java.util.Locale;

/** HTML helpers shared by the parts and the page. */
final class Html {

    private Html() {
    }

    /**
     * A table of every column meant for people (the {@code *_spec} columns, machine identities of
     * estimators, stay in the Arrow files); doubles to six significant digits, numbers right-aligned.
     */
    static String table(ColumnTable t) {
        List<String> cols = t.columns().keySet().stream().filter(c -> !c.endsWith("_spec")).toList();
        StringBuilder sb = new StringBuilder("<table><tr>");
        cols.forEach(c -> sb.append("<th>").append(esc(c)).append("</th>"));
        sb.append("</tr>");
        for (int r = 0; r < t.rows(); r++) {
            sb.append("<tr>");
            for (String c : cols) {
                Object v = t.get(c, r);
                String s = v == null ? "" : v instanceof Double d ? String.format(Locale.ROOT, "%.6g", d) : v.toString();
                sb.append(v instanceof Number ? "<td class=num>" : "<td>").append(esc(s)).append("</td>");
            }
            sb.append("</tr>");
        }
        return sb.append("</table>").toString();
    }

    /** Escapes text for HTML. */
    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
