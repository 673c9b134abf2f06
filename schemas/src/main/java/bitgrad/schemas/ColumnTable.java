package bitgrad.schemas;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small column-oriented table: what every bitgrad artifact is, and what is written as an
 * Arrow record batch. {@code kind} names the schema (e.g. {@code tensors}, {@code lr_curve}) and
 * travels in the Arrow schema metadata with {@link Schemas#VERSION}.
 */
public final class ColumnTable {

    private final String kind;
    private final LinkedHashMap<String, ColumnType> types = new LinkedHashMap<>();
    private final LinkedHashMap<String, List<Object>> values = new LinkedHashMap<>();
    private int rows;

    /** An empty table of schema {@code kind} with the given columns (name, type, name, type, ...). */
    public ColumnTable(String kind, Object... namesAndTypes) {
        this.kind = kind;
        if (namesAndTypes.length % 2 != 0) {
            throw new IllegalArgumentException("columns come as name, type pairs");
        }
        for (int i = 0; i < namesAndTypes.length; i += 2) {
            addColumn((String) namesAndTypes[i], (ColumnType) namesAndTypes[i + 1]);
        }
    }

    /** An empty table with {@code other}'s kind and columns. */
    public static ColumnTable like(ColumnTable other) {
        ColumnTable t = new ColumnTable(other.kind);
        other.types.forEach(t::addColumn);
        return t;
    }

    private void addColumn(String name, ColumnType type) {
        if (types.put(name, type) != null) {
            throw new IllegalArgumentException("duplicate column " + name);
        }
        values.put(name, new ArrayList<>());
    }

    /** The schema name. */
    public String kind() {
        return kind;
    }

    /** Column names and types, in order. */
    public Map<String, ColumnType> columns() {
        return Collections.unmodifiableMap(types);
    }

    /** Number of rows. */
    public int rows() {
        return rows;
    }

    /** Appends one row; values in column order, of each column's Java type ({@code Integer} widens). */
    public ColumnTable add(Object... row) {
        if (row.length != types.size()) {
            throw new IllegalArgumentException(kind + ": row has " + row.length + " values for " + types.size() + " columns");
        }
        int i = 0;
        for (Map.Entry<String, ColumnType> c : types.entrySet()) {
            values.get(c.getKey()).add(check(c.getKey(), c.getValue(), row[i++]));
        }
        rows++;
        return this;
    }

    /** Appends every row of {@code other}, which must have the same columns. */
    public ColumnTable addAll(ColumnTable other) {
        if (!other.types.equals(types)) {
            throw new IllegalArgumentException("cannot append " + other.kind + " rows to " + kind + ": columns differ");
        }
        other.values.forEach((name, v) -> values.get(name).addAll(v));
        rows += other.rows;
        return this;
    }

    private static Object check(String name, ColumnType type, Object v) {
        if (v == null) {
            return null;
        }
        Object out = switch (type) {
            case STRING -> v instanceof String ? v : null;
            case LONG -> v instanceof Long || v instanceof Integer ? ((Number) v).longValue() : null;
            case DOUBLE -> v instanceof Number n ? n.doubleValue() : null;
            case FLOAT_LIST -> v instanceof float[] ? v : null;
            case LONG_LIST -> v instanceof long[] ? v : null;
            case BOOLEAN -> v instanceof Boolean ? v : null;
        };
        if (out == null) {
            throw new IllegalArgumentException("column " + name + " (" + type + ") cannot hold " + v.getClass().getSimpleName());
        }
        return out;
    }

    /** All values of a column. */
    public List<Object> column(String name) {
        List<Object> v = values.get(name);
        if (v == null) {
            throw new IllegalArgumentException(kind + " has no column '" + name + "'; columns: " + types.keySet());
        }
        return Collections.unmodifiableList(v);
    }

    /** Cell value. */
    public Object get(String column, int row) {
        return column(column).get(row);
    }

    /** Text cell. */
    public String string(String column, int row) {
        return (String) get(column, row);
    }

    /** Integer cell. */
    public long getLong(String column, int row) {
        return (Long) get(column, row);
    }

    /** Float cell. */
    public double getDouble(String column, int row) {
        return (Double) get(column, row);
    }

    /** Float-list cell. */
    public float[] floats(String column, int row) {
        return (float[]) get(column, row);
    }

    /** Long-list cell. */
    public long[] longs(String column, int row) {
        return (long[]) get(column, row);
    }

    /** Rows {@code [from, to)} as a new table. */
    public ColumnTable slice(int from, int to) {
        ColumnTable t = like(this);
        values.forEach((name, v) -> t.values.get(name).addAll(v.subList(from, to)));
        t.rows = to - from;
        return t;
    }
}
