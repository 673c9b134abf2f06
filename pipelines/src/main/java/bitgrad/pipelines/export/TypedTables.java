package bitgrad.pipelines.export;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.transforms.Task;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A stored table made ready for a notebook: every identifying setting its own typed column. Flags stored as 0/1 become
 * booleans; each JSON settings column ({@code estimator_spec}, {@code a_spec}, ...) is spread into one column per key
 * ({@code estimator.mode}, {@code a.sigma}, ...), integers as integers; and a task's parameters lead as columns named by
 * their path ({@code estimator.eps}, {@code optimizer}, {@code model.depth}) where the table does not already say them.
 * Pure functions of the tables: the export command does the reading and writing.
 */
public final class TypedTables {

    /** Columns the artifacts store as 0/1 longs that mean yes or no. */
    static final Set<String> FLAGS = Set.of("pretrained", "at_edge", "normalized", "binary_weights");

    /** The suffix of a column holding an estimator's (or a setting's) settings as JSON. */
    static final String SPEC = "_spec";

    private TypedTables() {
    }

    /** One column under construction. */
    private record Column(String name, ColumnType type, List<Object> values) {
    }

    /** {@code t} typed as the class comment says; {@code params} (an object, or null) are the task's parameters. */
    public static ColumnTable typed(ColumnTable t, JsonNode params) {
        List<Column> out = new ArrayList<>();
        Map<String, JsonNode> flat = new LinkedHashMap<>();
        if (params != null && params.isObject()) {
            flatten("", params, flat);
        }
        for (Map.Entry<String, JsonNode> p : flat.entrySet()) {
            String leaf = p.getKey().substring(p.getKey().lastIndexOf('.') + 1);
            if (t.columns().containsKey(leaf) || t.columns().containsKey(p.getKey())) {
                continue; // the table says it already (model.dim beside a dim column)
            }
            List<JsonNode> same = new ArrayList<>();
            for (int r = 0; r < t.rows(); r++) {
                same.add(p.getValue());
            }
            out.add(column(p.getKey(), same));
        }
        for (Map.Entry<String, ColumnType> c : t.columns().entrySet()) {
            String name = c.getKey();
            List<Object> values = t.column(name);
            if (FLAGS.contains(name) && c.getValue() == ColumnType.LONG && values.stream().allMatch(v -> v == null || (Long) v == 0 || (Long) v == 1)) {
                out.add(new Column(name, ColumnType.BOOLEAN, values.stream().map(v -> v == null ? null : (Object) ((Long) v == 1)).toList()));
                continue;
            }
            out.add(new Column(name, c.getValue(), values));
            if (name.endsWith(SPEC) && c.getValue() == ColumnType.STRING) {
                Set<String> taken = new java.util.HashSet<>(t.columns().keySet());
                out.forEach(o -> taken.add(o.name()));
                spread(name.substring(0, name.length() - SPEC.length()), values, taken, out);
            }
        }
        return build(t.kind(), out, t.rows());
    }

    /**
     * The rows of several typed tables of one kind in one table: the union of their columns in first-seen order, a column a
     * table lacks empty in its rows; a column typed differently across tables is a double if both are numbers, else text.
     */
    public static ColumnTable union(List<ColumnTable> tables) {
        Map<String, ColumnType> types = new LinkedHashMap<>();
        for (ColumnTable t : tables) {
            t.columns().forEach((n, ty) -> types.merge(n, ty, TypedTables::widen));
        }
        List<Column> cols = new ArrayList<>();
        int rows = 0;
        types.forEach((n, ty) -> cols.add(new Column(n, ty, new ArrayList<>())));
        for (ColumnTable t : tables) {
            for (Column c : cols) {
                ColumnType has = t.columns().get(c.name());
                for (int r = 0; r < t.rows(); r++) {
                    c.values().add(has == null ? null : convert(t.get(c.name(), r), c.type()));
                }
            }
            rows += t.rows();
        }
        return build(tables.isEmpty() ? "empty" : tables.get(0).kind(), cols, rows);
    }

    private static ColumnType widen(ColumnType a, ColumnType b) {
        if (a == b) {
            return a;
        }
        boolean numbers = (a == ColumnType.LONG || a == ColumnType.DOUBLE) && (b == ColumnType.LONG || b == ColumnType.DOUBLE);
        return numbers ? ColumnType.DOUBLE : ColumnType.STRING;
    }

    private static Object convert(Object v, ColumnType to) {
        if (v == null) {
            return null;
        }
        return switch (to) {
            case DOUBLE -> ((Number) v).doubleValue();
            case STRING -> v instanceof String s ? s : String.valueOf(v);
            default -> v;
        };
    }

    /** The keys of the JSON objects in {@code specs}, each as a typed column {@code prefix.key}, unless either name is taken. */
    private static void spread(String prefix, List<Object> specs, Set<String> existing, List<Column> out) {
        List<JsonNode> parsed = new ArrayList<>();
        Map<String, List<JsonNode>> byKey = new LinkedHashMap<>();
        for (Object s : specs) {
            JsonNode n = parse((String) s);
            parsed.add(n);
            if (n != null && n.isObject()) {
                n.fieldNames().forEachRemaining(k -> byKey.putIfAbsent(k, new ArrayList<>()));
            }
        }
        for (Map.Entry<String, List<JsonNode>> k : byKey.entrySet()) {
            if (existing.contains(k.getKey()) || existing.contains(prefix + "." + k.getKey())) {
                continue;
            }
            for (JsonNode n : parsed) {
                k.getValue().add(n == null ? null : n.get(k.getKey()));
            }
            out.add(column(prefix + "." + k.getKey(), k.getValue()));
        }
    }

    private static JsonNode parse(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return Task.JSON.readTree(s);
        } catch (java.io.IOException e) {
            return null; // not JSON: the column stays text and nothing is spread from this row
        }
    }

    /** Leaves of a JSON object by dotted path; arrays are leaves, empty objects say nothing. */
    private static void flatten(String path, JsonNode n, Map<String, JsonNode> out) {
        if (n.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                flatten(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), out);
            }
        } else {
            out.put(path, n);
        }
    }

    /** A column of JSON values typed by what they all are: booleans, integers, numbers, text; anything else as JSON text. */
    private static Column column(String name, List<JsonNode> values) {
        List<JsonNode> present = values.stream().filter(v -> v != null && !v.isNull()).toList();
        ColumnType type;
        if (!present.isEmpty() && present.stream().allMatch(JsonNode::isBoolean)) {
            type = ColumnType.BOOLEAN;
        } else if (!present.isEmpty() && present.stream().allMatch(JsonNode::isIntegralNumber)) {
            type = ColumnType.LONG;
        } else if (!present.isEmpty() && present.stream().allMatch(JsonNode::isNumber)) {
            type = ColumnType.DOUBLE;
        } else {
            type = ColumnType.STRING;
        }
        List<Object> out = new ArrayList<>();
        for (JsonNode v : values) {
            out.add(v == null || v.isNull() ? null : switch (type) {
                case BOOLEAN -> v.booleanValue();
                case LONG -> v.longValue();
                case DOUBLE -> v.doubleValue();
                default -> v.isTextual() ? v.textValue() : v.toString();
            });
        }
        return new Column(name, type, out);
    }

    private static ColumnTable build(String kind, List<Column> cols, int rows) {
        Object[] namesAndTypes = new Object[2 * cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            namesAndTypes[2 * i] = cols.get(i).name();
            namesAndTypes[2 * i + 1] = cols.get(i).type();
        }
        ColumnTable t = new ColumnTable(kind, namesAndTypes);
        for (int r = 0; r < rows; r++) {
            Object[] row = new Object[cols.size()];
            for (int i = 0; i < cols.size(); i++) {
                row[i] = cols.get(i).values().get(r);
            }
            t.add(row);
        }
        return t;
    }
}
