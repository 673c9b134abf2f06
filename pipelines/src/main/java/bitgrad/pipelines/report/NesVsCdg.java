package bitgrad.pipelines.report;

import static bitgrad.schemas.ColumnType.DOUBLE;
import static bitgrad.schemas.ColumnType.LONG;
import static bitgrad.schemas.ColumnType.STRING;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.stats.Corrections;
import bitgrad.models.stats.PairedTest;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.Tables;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hparam-search question: does one NES setting beat the best CDG at every width, so that
 * NES's sigma (and sample count) need not be searched? Per variant, the NES setting whose worst
 * margin over the widths against each width's best CDG is largest is picked on the gradient
 * batches; at every width it is then tested against that width's best CDG on the held-out
 * batches (the decrease at each repeat's chosen lr, paired by repeat, averaged within an init,
 * t across inits), Holm over the widths. "Yes" needs every width ahead; "no" needs one width where
 * the best CDG is ahead of the best NES setting of that width; anything else is not decided.
 */
final class NesVsCdg implements Part {

    @Override
    public int version() {
        return 3;
    }

    static final String QUESTION = "nes-vs-cdg";

    /** Report table: per width, the best CDG, the best NES, and the chosen NES setting against the best CDG. */
    static final Tables.Schema TABLE = new Tables.Schema("nes_vs_cdg", new Object[] {"variant", STRING, "dim", LONG, "best_cdg", STRING,
        "best_cdg_decrease", DOUBLE, "best_nes", STRING, "best_nes_decrease", DOUBLE, "setting", STRING, "setting_decrease", DOUBLE,
        "heldout_margin", DOUBLE, "margin_low", DOUBLE, "margin_high", DOUBLE, "inits", LONG, "p_holm", DOUBLE, "best_nes_margin", DOUBLE,
        "best_nes_p_holm", DOUBLE});

    /** One width: its best CDG, every NES setting by name, and the width's unresolved cells. */
    record Width(long dim, Cells.Cell cdg, Map<String, Cells.Cell> nes, boolean edge) {
        Cells.Cell bestNes() {
            return nes.values().stream().max(Comparator.comparingDouble(Cells.Cell::mean)).orElseThrow();
        }
    }

    @Override
    public void render(ReportContext c) throws IOException {
        Map<String, Map<Long, List<Cells.Cell>>> byVariant = new TreeMap<>();
        for (Cells.Cell cell : c.cells()) {
            if (cell.spec() instanceof NesEstimator || cell.spec() instanceof CdgEstimator) {
                byVariant.computeIfAbsent(cell.variant(), v -> new TreeMap<>()).computeIfAbsent(cell.dim(), d -> new ArrayList<>()).add(cell);
            }
        }
        ColumnTable table = TABLE.empty();
        for (Map.Entry<String, Map<Long, List<Cells.Cell>>> v : byVariant.entrySet()) {
            List<Width> widths = new ArrayList<>();
            for (Map.Entry<Long, List<Cells.Cell>> d : v.getValue().entrySet()) {
                Cells.Cell cdg = d.getValue().stream().filter(x -> x.spec() instanceof CdgEstimator).max(Comparator.comparingDouble(
                        Cells.Cell::mean)).orElse(null);
                Map<String, Cells.Cell> nes = new LinkedHashMap<>();
                d.getValue().stream().filter(x -> x.spec() instanceof NesEstimator).forEach(x -> nes.put(setting((NesEstimator) x.spec()), x));
                if (cdg != null && !nes.isEmpty()) {
                    boolean edge = cdg.atEdge() > 0 || nes.values().stream().anyMatch(x -> x.atEdge() > 0);
                    widths.add(new Width(d.getKey(), cdg, nes, edge));
                }
            }
            if (widths.isEmpty()) {
                continue;
            }
            Judged j = judge(widths);
            String chosen = j.chosen();
            String answer = j.answer();
            List<String> ahead = j.ahead();
            List<String> behind = j.behind();
            List<String> open = j.open();
            PairedTest[] forSetting = j.forSetting();
            double[] pSetting = j.pSetting();
            int inits = Integer.MAX_VALUE;
            for (int i = 0; i < widths.size(); i++) {
                Width w = widths.get(i);
                PairedTest s = forSetting[i];
                Cells.Cell sc = w.nes().get(chosen);
                table.add(v.getKey(), w.dim(), w.cdg().estimator(), w.cdg().mean(), w.bestNes().estimator(), w.bestNes().mean(), chosen,
                        sc == null ? Double.NaN : sc.mean(), s == null ? Double.NaN : s.mean(), s == null ? Double.NaN : s.low(),
                        s == null ? Double.NaN : s.high(), (long) (s == null ? 0 : s.n()), pSetting[i], j.forBest()[i].mean(),
                        j.pBest()[i]);
                inits = Math.min(inits, s == null ? 0 : s.n());
            }
            String sentence = switch (answer) {
                case "yes" -> String.format(Locale.ROOT, "Yes: %s, picked on the gradient batches, beats the best CDG of every width on"
                        + " the held-out batches: %s. Its sigma need not be searched at these widths.", chosen, String.join("; ", ahead));
                case "no" -> String.format(Locale.ROOT, "No: the best CDG beats every NES setting at %s, so no NES setting replaces the"
                        + " CDG search there%s.", String.join("; ", behind), ahead.isEmpty() ? "" : "; " + chosen + " is ahead at "
                                + String.join("; ", ahead));
                default -> String.format(Locale.ROOT, "Not decided: %s, picked on the gradient batches, is ahead of the best CDG"
                        + " beyond chance at %s; undecided at %s. More inits (the unit) decide smaller margins.", chosen, ahead.isEmpty()
                                ? "no width" : String.join("; ", ahead), String.join("; ", open));
            };
            java.util.TreeSet<Double> eps = new java.util.TreeSet<>();
            v.getValue().values().forEach(cells -> cells.stream().filter(x -> x.spec() instanceof CdgEstimator).forEach(x -> eps.add(
                    ((CdgEstimator) x.spec()).eps())));
            Edges edges = edges(chosen, widths, eps);
            sentence += edges.sentence() + " (Paired by repeat, averaged within each init, t across inits, Holm over the widths.)";
            double worst = 0;
            for (double p : pSetting) {
                worst = Double.isNaN(p) ? worst : Math.max(worst, p);
            }
            Questions.verdict(c, QUESTION, "Does one NES setting beat the best CDG at every width? (" + v.getKey() + ")", sentence,
                    String.format(Locale.ROOT, "variant=%s answer=%s setting=%s dims=%d inits=%d p=%s grid_edge=%s", v.getKey().replace(' ',
                            '_'), answer, chosen.replace(' ', '_'), widths.size(), inits == Integer.MAX_VALUE ? 0 : inits, inits >= 2
                                    ? String.format(Locale.ROOT, "%.3g", worst) : "none", edges.token()));
        }
        if (table.rows() > 0) {
            c.table(Questions.SECTION, "NES against the best CDG per width: the setting picked on the gradient batches and each width's"
                    + " best NES, margins on the held-out batches (mean over inits, 95% interval; p Holm-adjusted over widths)", table);
        }
    }

    /**
     * The verdict of one variant's widths: the chosen setting, its test and the best NES's test
     * against the best CDG at each width (Holm-adjusted over the widths), and each width's place:
     * ahead, behind (the best CDG beats the best NES there) or open.
     */
    record Judged(String answer, String chosen, PairedTest[] forSetting, double[] pSetting, PairedTest[] forBest, double[] pBest,
            List<String> ahead, List<String> behind, List<String> open) {
    }

    static Judged judge(List<Width> widths) {
        String chosen = choose(widths);
        PairedTest[] forSetting = new PairedTest[widths.size()];
        PairedTest[] forBest = new PairedTest[widths.size()];
        for (int i = 0; i < widths.size(); i++) {
            Width w = widths.get(i);
            Cells.Cell s = w.nes().get(chosen);
            forSetting[i] = s == null ? null : s.heldoutAgainst(w.cdg());
            forBest[i] = w.bestNes().heldoutAgainst(w.cdg());
        }
        double[] pSetting = Corrections.holmTestable(java.util.Arrays.asList(forSetting));
        double[] pBest = Corrections.holmTestable(java.util.Arrays.asList(forBest));
        List<String> ahead = new ArrayList<>();
        List<String> behind = new ArrayList<>();
        List<String> open = new ArrayList<>();
        for (int i = 0; i < widths.size(); i++) {
            Width w = widths.get(i);
            PairedTest s = forSetting[i];
            PairedTest b = forBest[i];
            String at = "dim " + w.dim();
            if (w.edge()) {
                open.add(at + " (unresolved: a best lr at an end of the rates swept)");
            } else if (b.n() >= 2 && pBest[i] < PairedTest.ALPHA && b.mean() < 0) {
                behind.add(String.format(Locale.ROOT, "%s (the best CDG, %s, ahead of the best NES, %s, by %.2g on the held-out"
                        + " batches, Holm-adjusted p=%.2g)", at, w.cdg().estimator(), w.bestNes().estimator(), -b.mean(), pBest[i]));
            } else if (s != null && s.n() >= 2 && pSetting[i] < PairedTest.ALPHA && s.mean() > 0) {
                ahead.add(String.format(Locale.ROOT, "%s (+%.2g, 95%% interval %.2g to %.2g, Holm-adjusted p=%.2g)", at, s.mean(),
                        s.low(), s.high(), pSetting[i]));
            } else {
                open.add(s == null ? at + " (the setting was not run there)" : s.n() < 2 ? at
                        + " (fewer than 2 inits: nothing to test with; raise num_init)" : String.format(Locale.ROOT,
                                "%s (margin %.2g, 95%% interval %.2g to %.2g, Holm-adjusted p=%.2g; detectable with 80%% power: %.2g)", at,
                                s.mean(), s.low(), s.high(), pSetting[i], s.detectable()));
            }
        }
        String answer = !behind.isEmpty() ? "no" : open.isEmpty() ? "yes" : "not-decided";
        return new Judged(answer, chosen, forSetting, pSetting, forBest, pBest, ahead, behind, open);
    }

    /**
     * Where the answer leans on the end of a hyperparameter grid: the chosen setting's sigma at the
     * smallest or largest sigma tried, a width's best NES (which decides "no") with its sigma there,
     * a width's best CDG eps at the smallest or largest eps tried.
     * The grid then bounds the comparison as much as the inits do, so the verdict says so, and
     * which settings continue it. ({@code sentence} is empty, {@code token} "none", when neither.)
     */
    record Edges(String sentence, String token) {
    }

    static Edges edges(String chosen, List<Width> widths, java.util.SortedSet<Double> eps) {
        List<String> said = new ArrayList<>();
        List<String> tokens = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        java.util.TreeSet<Double> sigmas = new java.util.TreeSet<>();
        Double sigma = null;
        for (Width w : widths) {
            for (Cells.Cell x : w.nes().values()) {
                sigmas.add(((NesEstimator) x.spec()).sigma());
            }
            if (w.nes().get(chosen) != null) {
                sigma = ((NesEstimator) w.nes().get(chosen).spec()).sigma();
            }
        }
        if (sigma != null && sigmas.size() > 1 && (sigma.equals(sigmas.first()) || sigma.equals(sigmas.last()))) {
            String end = sigma.equals(sigmas.last()) ? "largest" : "smallest";
            said.add(String.format(Locale.ROOT, "%s's sigma (%s) is the %s tried", chosen, ResultTables.plain(sigma), end));
            tokens.add(end.equals("largest") ? "sigma_max" : "sigma_min");
            keys.add("estimators.nes.sigma");
        }
        boolean chosenSaid = !tokens.isEmpty();
        // each width's best NES decides "no": its sigma at an end bounds that answer the same way
        if (ends(sigmas, widths, w -> chosenSaid && w.bestNes().estimator().equals(chosen) ? null
                : ((NesEstimator) w.bestNes().spec()).sigma(), "the best NES's sigma", "best_nes_sigma", said, tokens)
                && !keys.contains("estimators.nes.sigma")) {
            keys.add("estimators.nes.sigma");
        }
        if (ends(eps, widths, w -> ((CdgEstimator) w.cdg().spec()).eps(), "the best CDG's eps", "eps", said, tokens)) {
            keys.add("estimators.cdg.eps");
        }
        if (said.isEmpty()) {
            return new Edges("", "none");
        }
        return new Edges(String.format(Locale.ROOT, " At the grid's edge: %s; a grid continued past it (%s) may change the answer.",
                String.join("; ", said), String.join(", ", keys)), String.join(",", tokens));
    }

    /**
     * Adds to {@code said} and {@code tokens} the widths whose {@code value} (null: not asked) is the grid's smallest, then
     * its largest; true if any was.
     */
    private static boolean ends(java.util.SortedSet<Double> grid, List<Width> widths, java.util.function.Function<Width, Double> value,
            String what, String token, List<String> said, List<String> tokens) {
        if (grid.size() < 2) {
            return false;
        }
        int before = said.size();
        for (boolean low : new boolean[] {true, false}) {
            double end = low ? grid.first() : grid.last();
            List<String> dims = widths.stream().filter(w -> value.apply(w) != null && value.apply(w) == end)
                    .map(w -> String.valueOf(w.dim())).toList();
            if (!dims.isEmpty()) {
                said.add(String.format(Locale.ROOT, "%s is the %s tried (%s) at dim %s", what, low ? "smallest" : "largest",
                        ResultTables.plain(end), String.join(", ", dims)));
                tokens.add(token + (low ? "_min:" : "_max:") + String.join("+", dims));
            }
        }
        return said.size() > before;
    }

    /** A NES setting without its width: sigma, samples, form. */
    static String setting(NesEstimator e) {
        return e.label();
    }

    /**
     * The setting whose worst relative margin over the widths (its mean decrease on the gradient
     * batches over the width's best CDG's, minus one) is largest; settings missing at a width lose.
     */
    static String choose(List<Width> widths) {
        Map<String, Double> worst = new LinkedHashMap<>();
        for (String s : widths.get(0).nes().keySet()) {
            double m = Double.POSITIVE_INFINITY;
            for (Width w : widths) {
                Cells.Cell x = w.nes().get(s);
                double base = Math.abs(w.cdg().mean()) > 0 ? Math.abs(w.cdg().mean()) : 1;
                m = Math.min(m, x == null ? Double.NEGATIVE_INFINITY : (x.mean() - w.cdg().mean()) / base);
            }
            worst.put(s, m);
        }
        return worst.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }
}
