package bitgrad.models.stats;

import java.util.Arrays;
import java.util.Comparator;

/**
 * Adjusted p-values for the several claims one report makes. Holm's step-down method controls
 * the family-wise error rate (the chance of any false claim) under any dependence between the
 * tests; Benjamini-Hochberg controls the false discovery rate (the expected share of false
 * claims among those made) for independent or positively dependent tests. A claim is made when
 * its adjusted p-value is below {@link PairedTest#ALPHA}.
 */
public final class Corrections {

    private Corrections() {
    }

    /** Holm-adjusted p-values, in the order of {@code p}. */
    public static double[] holm(double[] p) {
        int m = p.length;
        Integer[] order = order(p);
        double[] adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++) {
            int i = order[rank];
            running = Math.max(running, Math.min(1, (m - rank) * p[i]));
            adjusted[i] = running;
        }
        return adjusted;
    }

    /**
     * Holm over the tests that can be made (not null, at least two units), in the order of
     * {@code tests}; NaN for the others, which are not part of the family.
     */
    public static double[] holmTestable(java.util.List<PairedTest> tests) {
        int[] made = java.util.stream.IntStream.range(0, tests.size()).filter(i -> tests.get(i) != null && tests.get(i).n() >= 2)
                .toArray();
        double[] adjusted = holm(Arrays.stream(made).mapToDouble(i -> tests.get(i).p()).toArray());
        double[] out = new double[tests.size()];
        Arrays.fill(out, Double.NaN);
        for (int k = 0; k < made.length; k++) {
            out[made[k]] = adjusted[k];
        }
        return out;
    }

    /** Benjamini-Hochberg-adjusted p-values (q-values), in the order of {@code p}. */
    public static double[] benjaminiHochberg(double[] p) {
        int m = p.length;
        Integer[] order = order(p);
        double[] adjusted = new double[m];
        double running = 1;
        for (int rank = m - 1; rank >= 0; rank--) {
            int i = order[rank];
            running = Math.min(running, Math.min(1, p[i] * m / (rank + 1)));
            adjusted[i] = running;
        }
        return adjusted;
    }

    private static Integer[] order(double[] p) {
        Integer[] idx = new Integer[p.length];
        Arrays.setAll(idx, i -> i);
        Arrays.sort(idx, Comparator.comparingDouble(i -> p[i]));
        return idx;
    }
}
