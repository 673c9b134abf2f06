package bitgrad.pipelines.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ColumnType;
import bitgrad.transforms.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tables for a notebook: flags as booleans, settings spread into typed columns, task parameters where the table lacks them. */
class TypedTablesTest {

    private static ColumnTable summary() {
        return new ColumnTable("summary", "dim", ColumnType.LONG, "pretrained", ColumnType.LONG, "estimator_spec", ColumnType.STRING,
                "eps", ColumnType.DOUBLE, "best_decrease", ColumnType.DOUBLE)
                .add(8L, 0L, "{\"type\":\"cdg\",\"eps\":0.1}", 0.1, 0.5)
                .add(8L, 1L, "{\"type\":\"nes\",\"sigma\":0.01,\"samples\":500,\"antithetic\":false}", null, 0.25)
                .add(16L, null, null, null, 0.125);
    }

    @Test
    void flagsBecomeBooleansAndSettingsTheirOwnTypedColumns() throws Exception {
        ColumnTable t = TypedTables.typed(summary(), null);
        assertEquals(ColumnType.BOOLEAN, t.columns().get("pretrained"));
        assertEquals(false, t.get("pretrained", 0));
        assertEquals(true, t.get("pretrained", 1));
        assertNull(t.get("pretrained", 2));
        assertEquals(ColumnType.STRING, t.columns().get("estimator.type"));
        assertEquals("nes", t.string("estimator.type", 1));
        assertEquals(ColumnType.LONG, t.columns().get("estimator.samples"), "500 is an integer");
        assertEquals(500L, t.get("estimator.samples", 1));
        assertNull(t.get("estimator.samples", 0), "CDG has no sample count");
        assertEquals(ColumnType.DOUBLE, t.columns().get("estimator.sigma"));
        assertEquals(ColumnType.BOOLEAN, t.columns().get("estimator.antithetic"));
        assertFalse(t.columns().containsKey("estimator.eps"), "eps is a column already");
        assertEquals(List.of("dim", "pretrained", "estimator_spec", "estimator.type", "estimator.sigma", "estimator.samples",
                "estimator.antithetic", "eps", "best_decrease"), List.copyOf(t.columns().keySet()), "spread after the spec column");
        assertEquals(0.125, t.getDouble("best_decrease", 2), "values unchanged");
    }

    @Test
    void aFlagColumnHoldingOtherNumbersStaysANumber() {
        ColumnTable t = TypedTables.typed(new ColumnTable("x", "at_edge", ColumnType.LONG).add(2L), null);
        assertEquals(ColumnType.LONG, t.columns().get("at_edge"));
    }

    @Test
    void taskParametersLeadWhereTheTableDoesNotSayThem() throws Exception {
        ColumnTable path = new ColumnTable("rosenbrock_path", "step", ColumnType.LONG, "f", ColumnType.DOUBLE).add(0L, 3.0).add(1L, 2.0);
        var params = Task.JSON.readTree("{\"start\":1,\"estimator\":{\"type\":\"cdg\",\"eps\":0.01},\"optimizer\":\"sgd\","
                + "\"step\":99,\"decay_every\":5000,\"eps\":[0.1,0.01],\"empty\":{}}");
        ColumnTable t = TypedTables.typed(path, params);
        assertEquals(List.of("start", "estimator.type", "estimator.eps", "optimizer", "decay_every", "eps", "step", "f"),
                List.copyOf(t.columns().keySet()), "step is the table's own column; an empty object says nothing");
        assertEquals(ColumnType.LONG, t.columns().get("start"));
        assertEquals(ColumnType.DOUBLE, t.columns().get("estimator.eps"));
        assertEquals(0.01, t.getDouble("estimator.eps", 1));
        assertEquals("[0.1,0.01]", t.string("eps", 0), "a list stays its JSON text");
        assertEquals(1L, t.getLong("step", 1));
    }

    @Test
    void aUnionKeepsEveryColumnAndWidensMixedNumbers() {
        ColumnTable a = new ColumnTable("k", "x", ColumnType.LONG, "y", ColumnType.STRING).add(1L, "a");
        ColumnTable b = new ColumnTable("k", "x", ColumnType.DOUBLE, "z", ColumnType.BOOLEAN).add(0.5, true);
        ColumnTable u = TypedTables.union(List.of(a, b));
        assertEquals(List.of("x", "y", "z"), List.copyOf(u.columns().keySet()));
        assertEquals(ColumnType.DOUBLE, u.columns().get("x"));
        assertEquals(1.0, u.getDouble("x", 0));
        assertNull(u.get("z", 0));
        assertNull(u.get("y", 1));
        assertEquals(true, u.get("z", 1));
    }
}
