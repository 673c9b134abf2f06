package bitgrad.pipelines.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

/** The tick-label rule every saved figure goes through: readable labels, never "0E0", two labels on every log axis. */
class TicksTest {

    private static String label(String pattern, double v) {
        return new DecimalFormat(pattern, DecimalFormatSymbols.getInstance(Locale.ROOT)).format(v);
    }

    @Test
    void linearAxesArePlainWithThePlacesTheStepNeeds() {
        assertEquals("0", label(Ticks.pattern(0, 100, false), 0));
        assertEquals("20", label(Ticks.pattern(0, 100, false), 20));
        assertEquals("0.01", label(Ticks.pattern(0, 0.05, false), 0.01));
        assertEquals("0", label(Ticks.pattern(0, 0.05, false), 0), "zero is never written 0E0");
        assertEquals("0.92", label(Ticks.pattern(0.9, 1.0, false), 0.92));
        assertEquals("-0.5", label(Ticks.pattern(-1, 1, false), -0.5));
        assertEquals("2E5", label(Ticks.pattern(0, 4e5, false), 2e5), "past 1e5 the labels go scientific");
        assertEquals("2E-4", label(Ticks.pattern(0, 4e-4, false), 2e-4), "below 1e-3 too");
    }

    @Test
    void logAxesArePlainInsideTheReadableRange() {
        assertEquals("0.001", label(Ticks.pattern(1e-3, 10, true), 1e-3));
        assertEquals("100", label(Ticks.pattern(1e-3, 1000, true), 100));
        assertEquals("0.0009", label(Ticks.pattern(9e-4, 1, true), 9e-4), "an error bar just below 0.001 keeps the labels plain");
        assertEquals("100000", label(Ticks.pattern(3, 1e5, true), 1e5), "forward-pass counts up to 1e5 stay plain");
        assertEquals("1E-9", label(Ticks.pattern(1e-9, 10, true), 1e-9));
    }

    @Test
    void aLogAxisWithFewerThanTwoPowersOfTenLabelsTheTicksBetween() {
        assertEquals(1, Ticks.powersOfTen(30, 400));
        assertEquals(0, Ticks.powersOfTen(2, 9));
        assertEquals(2, Ticks.powersOfTen(1, 10));
        assertEquals(3, Ticks.powersOfTen(0.01, 1));
        XYChart narrow = Figures.lines("t", "x", "y");
        narrow.getStyler().setYAxisLogarithmic(true);
        Figures.line(narrow, "s", new double[] {1, 2, 3}, new double[] {30, 100, 400}, 0);
        Ticks.apply(narrow);
        assertFalse(narrow.getStyler().isYAxisLogarithmicDecadeOnly(), "one power of ten in range: label 20, 30, ... too");
        assertEquals("0", narrow.getStyler().getYAxisDecimalPattern());
        XYChart wide = Figures.lines("t", "x", "y");
        wide.getStyler().setYAxisLogarithmic(true);
        Figures.line(wide, "s", new double[] {1, 2, 3}, new double[] {1e-3, 1e-2, 1}, 0);
        Ticks.apply(wide);
        assertTrue(wide.getStyler().isYAxisLogarithmicDecadeOnly());
        assertEquals("0.###", wide.getStyler().getYAxisDecimalPattern());
    }

    @Test
    void barsAndErrorBarsAreInTheRangeTheLabelsCover() {
        CategoryChart c = Figures.bars("t", "x", "y");
        c.addSeries("s", List.of("a", "b"), List.of(0.5, 4.0), List.of(0.1, 200.0));
        Ticks.apply(c);
        // 4 + 200 reaches past 100: a step of about 40 needs no decimal places; without the error bars it would need one
        assertEquals("0", c.getStyler().getYAxisDecimalPattern());
        CategoryChart small = Figures.bars("t", "x", "y");
        small.addSeries("s", List.of("a", "b"), List.of(0.5, 0.9));
        Ticks.apply(small);
        assertEquals("0.##", small.getStyler().getYAxisDecimalPattern(), "bars rise from 0: the span is 0..0.9");
    }
}
