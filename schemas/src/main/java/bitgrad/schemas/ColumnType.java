package bitgrad.schemas;

import java.util.List;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;

/** The column types bitgrad artifacts use, with their Arrow representation. */
public enum ColumnType {
    /** UTF-8 text; Java {@code String}. */
    STRING,
    /** 64-bit integer; Java {@code Long}. */
    LONG,
    /** 64-bit float; Java {@code Double}. */
    DOUBLE,
    /** List of 32-bit floats (a tensor's values, a data row); Java {@code float[]}. */
    FLOAT_LIST,
    /** List of 64-bit integers (a tensor's shape); Java {@code long[]}. */
    LONG_LIST,
    /** True or false (a flag in an exported table; artifacts store flags as 0/1 longs); Java {@code Boolean}. */
    BOOLEAN;

    /** The Arrow field of a column of this type. */
    Field field(String name) {
        return switch (this) {
            case STRING -> Field.nullable(name, ArrowType.Utf8.INSTANCE);
            case LONG -> Field.nullable(name, new ArrowType.Int(64, true));
            case DOUBLE -> Field.nullable(name, new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE));
            case FLOAT_LIST -> new Field(name, FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(Field.nullable("item", new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE))));
            case LONG_LIST -> new Field(name, FieldType.nullable(ArrowType.List.INSTANCE),
                    List.of(Field.nullable("item", new ArrowType.Int(64, true))));
            case BOOLEAN -> Field.nullable(name, ArrowType.Bool.INSTANCE);
        };
    }

    /** The type of an Arrow field, if it is one bitgrad writes. */
    static ColumnType of(Field f) {
        ArrowType t = f.getType();
        if (t instanceof ArrowType.Utf8) {
            return STRING;
        }
        if (t instanceof ArrowType.Int i && i.getBitWidth() == 64) {
            return LONG;
        }
        if (t instanceof ArrowType.FloatingPoint fp && fp.getPrecision() == FloatingPointPrecision.DOUBLE) {
            return DOUBLE;
        }
        if (t instanceof ArrowType.Bool) {
            return BOOLEAN;
        }
        if (t instanceof ArrowType.List && f.getChildren().size() == 1) {
            ArrowType c = f.getChildren().get(0).getType();
            if (c instanceof ArrowType.FloatingPoint fp && fp.getPrecision() == FloatingPointPrecision.SINGLE) {
                return FLOAT_LIST;
            }
            if (c instanceof ArrowType.Int i && i.getBitWidth() == 64) {
                return LONG_LIST;
            }
        }
        throw new IllegalArgumentException("column " + f.getName() + " has unsupported type " + t);
    }
}
