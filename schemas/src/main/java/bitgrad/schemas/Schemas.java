package bitgrad.schemas;

import java.util.ArrayList;
import java.util.List;

/**
 * Schema names, the schema version, and the codecs between bitgrad values and tables.
 * Every artifact's Arrow schema carries metadata {@code bitgrad.kind} and
 * {@code bitgrad.schema_version}; readers reject other versions.
 */
public final class Schemas {

    /** Version of every schema below; bump when a column changes meaning or type. */
    public static final int VERSION = 1;

    /** Metadata key of the schema name. */
    public static final String KIND_KEY = "bitgrad.kind";

    /** Metadata key of the schema version. */
    public static final String VERSION_KEY = "bitgrad.schema_version";

    /** Tensors: one row per tensor (name, shape, row-major values). */
    public static final String TENSORS = "tensors";

    /** A data batch: one row per sample, {@code x} its input vector. */
    public static final String DATA = "data";

    private Schemas() {
    }

    /** An empty tensors table. */
    public static ColumnTable tensorTable() {
        return Tables.TENSORS.empty();
    }

    /** A parameter set as a tensors table. */
    public static ColumnTable toTable(ParamSet p) {
        ColumnTable t = tensorTable();
        for (HostTensor h : p.tensors()) {
            t.add(h.name(), h.shape(), h.data());
        }
        return t;
    }

    /** A tensors table as a parameter set. */
    public static ParamSet toParamSet(ColumnTable t) {
        if (!TENSORS.equals(t.kind())) {
            throw new IllegalArgumentException("expected a " + TENSORS + " table, got " + t.kind());
        }
        List<HostTensor> out = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) {
            out.add(new HostTensor(t.string("name", i), t.longs("shape", i), t.floats("values", i)));
        }
        return new ParamSet(out);
    }

    /** An empty data table. */
    public static ColumnTable dataTable() {
        return Tables.DATA.empty();
    }
}
