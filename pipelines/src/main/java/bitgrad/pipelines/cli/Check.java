package bitgrad.pipelines.cli;

import bitgrad.models.quant.Quantizer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Option validation that ends in a usage error (exit code 2) naming the option. */
final class Check {

    private Check() {
    }

    static void positive(CommandSpec spec, String option, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new ParameterException(spec.commandLine(), option + " must be a positive number, got " + value);
        }
    }

    static void atLeast(CommandSpec spec, String option, long value, long min) {
        if (value < min) {
            throw new ParameterException(spec.commandLine(), option + " must be >= " + min + ", got " + value);
        }
    }

    /** {@code min <= value <= max}, where {@code max} is the bound {@code run} applies to the same setting. */
    static void within(CommandSpec spec, String option, long value, long min, long max) {
        atLeast(spec, option, value, min);
        if (value > max) {
            throw new ParameterException(spec.commandLine(), option + " must be <= " + max + " (the bound 'run' applies too), got " + value);
        }
    }

    /** Parses {@code --activation} values through {@link Quantizer#parse}. */
    static final class QuantizerConverter implements CommandLine.ITypeConverter<Quantizer> {
        @Override
        public Quantizer convert(String value) {
            try {
                return Quantizer.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
