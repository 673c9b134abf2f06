package bitgrad.transforms;

import bitgrad.models.measure.GradCheck;
import bitgrad.models.measure.RosenbrockDescent;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage {@code gradcheck}: CDG and NES against the analytic Rosenbrock gradient in float64 at
 * fixed points (a random integer start, points on an exact-gradient descent from it, a point
 * within 1e-3 of all-ones), with the log-log slope of each error: 2 against eps for CDG, -1/2
 * against samples for NES until its sigma^2 floor.
 */
public final class GradCheckStage extends Stage<GradCheckStage.Params> {

    /**
     * @param n dimension (even)
     * @param startSeed seed of the integer start
     * @param descent the descent whose path gives the middle points (exact gradient)
     * @param pathSteps steps after which the path points are taken (increasing)
     * @param eps CDG eps values
     * @param sigma NES radii
     * @param samples NES sample counts (increasing, nested)
     * @param seed seed of NES's directions and of the point near all-ones
     */
    public record Params(int n, long startSeed, PathDescent descent, List<Integer> pathSteps, List<Double> eps,
            List<Double> sigma, List<Integer> samples, long seed) {
    }

    /**
     * The descent settings as stage parameters.
     *
     * @param optimizer adam, sgd or normalized
     * @param lr initial lr
     * @param decay lr factor every {@code decayEvery} steps
     * @param decayEvery steps between decays
     */
    public record PathDescent(String optimizer, double lr, double decay, int decayEvery) {
    }

    /** Every estimate's error. */
    public static final Output ERRORS = new Output("gradcheck.arrow", Tables.GRADCHECK);
    /** The fitted slopes. */
    public static final Output SLOPES = new Output("slopes.arrow", Tables.GRADCHECK_SLOPE);

    public GradCheckStage() {
        super("gradcheck", 1, Params.class, ERRORS, SLOPES);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        Map<String, double[]> points = points(p);
        int[] samples = p.samples().stream().mapToInt(Integer::intValue).toArray();
        ColumnTable errors = Tables.GRADCHECK.empty();
        ColumnTable slopes = Tables.GRADCHECK_SLOPE.empty();
        List<Double> cdgSlopes = new ArrayList<>();
        for (Map.Entry<String, double[]> e : points.entrySet()) {
            List<GradCheck.Row> rows = GradCheck.check(e.getKey(), e.getValue(), p.eps(), p.sigma(), samples, p.seed());
            for (GradCheck.Row r : rows) {
                boolean cdg = r.family().equals("cdg");
                errors.add(r.point(), r.family(), cdg ? r.size() : null, cdg ? null : r.size(), cdg ? null : (long) r.samples(),
                        r.relativeError(), r.cosine(), r.gradientNorm(), r.rounding());
            }
            List<GradCheck.Row> cdgRows = rows.stream().filter(r -> r.family().equals("cdg")).toList();
            if (cdgRows.size() >= 2) {
                double s = GradCheck.slope(cdgRows);
                cdgSlopes.add(s);
                slopes.add(e.getKey(), "cdg", null, s, 2.0);
            }
            for (double sigma : p.sigma()) {
                List<GradCheck.Row> nes = rows.stream().filter(r -> r.family().equals("nes") && r.size() == sigma).toList();
                if (nes.size() >= 2) {
                    slopes.add(e.getKey(), "nes", sigma, GradCheck.slope(nes), -0.5);
                }
            }
        }
        c.write(ERRORS, errors);
        c.write(SLOPES, slopes);
        return String.format(Locale.ROOT, "%d points, cdg slopes %s", points.size(),
                cdgSlopes.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList());
    }

    /** The named points: start, path-T for each path step, near-ones. */
    static Map<String, double[]> points(Params p) {
        Map<String, double[]> points = new LinkedHashMap<>();
        double[] start = RosenbrockDescent.integerStart(p.startSeed(), p.n());
        points.put("start", start);
        PathDescent d = p.descent();
        RosenbrockDescent descent = new RosenbrockDescent(d.optimizer(), 1, d.lr(), d.decay(), d.decayEvery(), 1e-6);
        int[] at = p.pathSteps().stream().mapToInt(Integer::intValue).toArray();
        double[][] along = descent.pointsAlong(start, at);
        for (int i = 0; i < at.length; i++) {
            points.put("path-" + at[i], along[i]);
        }
        points.put("near-ones", RosenbrockDescent.nearOnes(p.seed(), p.n(), 1e-3));
        return points;
    }
}
