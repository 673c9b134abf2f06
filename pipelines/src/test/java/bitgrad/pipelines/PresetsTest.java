package bitgrad.pipelines;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.transforms.NesSnrStage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every preset, scaled down with --set, runs end to end and yields its figures, tables and sane numbers. */
class PresetsTest {

    static CliFixture.Result preset(Path runs, String name, String... sets) {
        List<String> args = new ArrayList<>(List.of("run", name, "--runs-dir", runs.toString()));
        for (String s : sets) {
            args.add("--set");
            args.add(s);
        }
        CliFixture.Result r = CliFixture.cli(args.toArray(String[]::new));
        assertEquals(0, r.code(), name + ": " + r.err());
        return r;
    }

    static Path runDir(CliFixture.Result r) {
        Matcher m = Pattern.compile("record=(\\S+)run\\.json").matcher(r.out());
        assertTrue(m.find(), r.out());
        return Path.of(m.group(1));
    }

    static void assertFigures(Path run, String... prefixes) throws Exception {
        List<String> names;
        try (Stream<Path> s = Files.list(run.resolve("plots"))) {
            names = s.map(p -> p.getFileName().toString()).toList();
        }
        for (String p : prefixes) {
            assertTrue(names.stream().anyMatch(n -> n.startsWith(p) && n.endsWith(".png")), "no " + p + " figure in " + names);
            assertTrue(names.stream().anyMatch(n -> n.startsWith(p) && n.endsWith(".svg")), "no " + p + " SVG in " + names);
        }
        for (String n : names) {
            assertTrue(Files.size(run.resolve("plots").resolve(n)) > 2000, n + " is empty");
        }
        assertTrue(Files.size(run.resolve("report.html")) > 2000);
    }

    static final String[] SMALL_GRID = {"dims=[4,8]", "num_init=1", "data.num_batch=1", "data.batch=[512]", "sweep.lr_count=50",
        "estimators.cdg.eps=[0.1,0.01]", "estimators.nes.sigma=[0.1,0.01]", "estimators.nes.samples=[50,100]",
        "estimators.sr_ste.k=[1]"};

    @Test
    void hparamSearch(@TempDir Path runs) throws Exception {
        Path run = runDir(preset(runs, "hparam-search", SMALL_GRID));
        assertFigures(run, "lr_curves_", "best_vs_dim_", "efficiency_", "cosine_");
        ColumnTable hp = ArrowFiles.read(run.resolve("tables/best_hyperparameters.arrow"));
        assertEquals(2 * 6, hp.rows(), "per dim: ste, the random-direction control, cdg, nes n=50, nes n=100, sr-ste");
        assertEquals(2, java.util.stream.IntStream.range(0, hp.rows()).filter(i -> hp.string("family", i).equals("random")).count(),
                "the control in the lr table of every dim");
    }

    @Test
    void hparamSearchPretrainedComparesNesWithAndWithoutBaseline(@TempDir Path runs) throws Exception {
        List<String> sets = new ArrayList<>(List.of(SMALL_GRID));
        sets.addAll(List.of("pretrain.steps=30", "pretrain.batch=512", "estimators.nes.sigma=[0.01]", "estimators.nes.samples=[200]"));
        CliFixture.Result r = preset(runs, "hparam-search-pretrained", sets.toArray(String[]::new));
        Path run = runDir(r);
        assertFigures(run, "pretrain", "lr_curves_", "cosine_", "efficiency_");
        assertTrue(r.out().contains("estimator=nes(sigma=0.01,n=200,one-sided)"), r.out());
        assertTrue(r.out().contains("estimator=nes(sigma=0.01,n=200,no-baseline)"), r.out());
    }

    @Test
    void stochasticRounding(@TempDir Path runs) throws Exception {
        CliFixture.Result r = preset(runs, "stochastic-rounding", "num_init=1", "data.batch=[256,1024]", "data.num_batch=1",
                "estimators.sr_ste.tau=[1.0]", "estimators.sr_ste.k=[1,2,3]", "pretrain.steps=30", "pretrain.batch=512",
                "sweep.lr_count=50");
        Path run = runDir(r);
        assertFigures(run, "lr_curves_", "best_vs_k_", "pretrain", "sr_ste_factorial_");
        ColumnTable best = ArrowFiles.read(run.resolve("tables/best_settings.arrow"));
        assertEquals(2 * 2 * (2 + 3 * 3), best.rows(),
                "raw and pretrained x two batch sizes x (STE, the random-direction control + 3 k x the factorial's 3 other cells)");
        long relaxed = 0;
        long deterministic = 0;
        for (int i = 0; i < best.rows(); i++) {
            relaxed += best.string("estimator", i).endsWith(",relaxed)") ? 1 : 0;
            deterministic += best.string("estimator", i).endsWith(",relaxed,det-forward)") ? 1 : 0;
        }
        assertEquals(2 * 2 * 3, relaxed, "the preset runs the relaxed backward next to the STE-like default");
        assertEquals(2 * 2 * 3, deterministic, "and the relaxed backward under the deterministic forward");
        for (String model : List.of("raw", "pretrained")) {
            assertTrue(r.out().contains("verdict question=sr-ste-gain model=" + model + " source="), r.out());
        }
        ColumnTable factorial = ArrowFiles.read(run.resolve("tables/sr_ste_factorial.arrow"));
        assertEquals(2 * 2 * 3 * 4, factorial.rows(), "four cells per (batch, model, k)");
        for (int i = 0; i < factorial.rows(); i++) {
            if (!factorial.string("forward", i).equals("deterministic") || !factorial.string("backward", i).equals("quantizer")) {
                String[] offsets = factorial.string("p_offset", i).split(",");
                assertEquals(4, offsets.length, "one mean |p - 0.5| per hidden layer");
                for (String o : offsets) {
                    assertTrue(Double.parseDouble(o) > 0 && Double.parseDouble(o) < 0.5, o);
                }
            }
        }
    }

    @Test
    void theLastLayerAndSmoothingQuestionsRestrictEachStepAndAnswer(@TempDir Path runs) throws Exception {
        CliFixture.Result r = CliFixture.run(runs, "--set", "questions.last_layer=true", "--set", "model.teacher=same",
                "--set", "questions.smoothing=true", "--set", "questions.smoothing_samples=16");
        assertTrue(r.out().contains("verdict question=last-layer teacher=same last_layer_fraction="), r.out());
        assertTrue(r.out().contains("verdict question=smoothing smoothed_falls="), r.out());
        assertFigures(runDir(r), "last_layer_", "smoothing_");
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        // the whole-step row of every layer sweep is the estimate's own lr sweep: same step, same grid, same numbers
        java.util.Map<String, Double> sweepBest = new java.util.HashMap<>();
        java.util.Map<String, Double> wholeStep = new java.util.HashMap<>();
        java.util.Map<String, Integer> restrictions = new java.util.HashMap<>();
        java.util.Set<String> smoothed = new java.util.TreeSet<>();
        for (String[] a : store.list()) {
            if (a[0].equals("lr-sweep")) {
                ColumnTable t = ArrowFiles.read(store.file("lr-sweep", a[1], "best.arrow"));
                sweepBest.put(id(t, 0), t.getDouble("best_decrease", 0));
            } else if (a[0].equals("smoothing")) {
                // NES only (CDG follows no Gaussian smoothing), smoothed at sigma and stepped as far
                ColumnTable t = ArrowFiles.read(store.file("smoothing", a[1], "smoothing.arrow"));
                assertEquals(3 + 2, t.rows());
                for (int i = 0; i < t.rows(); i++) {
                    bitgrad.models.estimators.Estimator e = bitgrad.models.estimators.Estimators.decode(t.string("estimator_spec", i));
                    assertEquals(bitgrad.transforms.SmoothingStage.scale(e), t.getDouble("scale", i), 0.0);
                    assertEquals(bitgrad.transforms.SmoothingStage.scale(e), t.getDouble("step", i), 0.0, "a step as long as the scale");
                    assertEquals(16, t.getLong("samples", i));
                    assertTrue(t.getDouble("smoothed_se", i) >= 0 && Double.isFinite(t.getDouble("true_change", i)));
                }
                smoothed.add(t.string("family", 0));
            } else if (a[0].equals("layer-sweep")) {
                ColumnTable t = ArrowFiles.read(store.file("layer-sweep", a[1], "layers.arrow"));
                restrictions.put(id(t, 0), t.rows());
                for (int i = 0; i < t.rows(); i++) {
                    assertEquals("same", t.string("teacher", i));
                    if (t.string("update", i).equals("all")) {
                        wholeStep.put(id(t, i), t.getDouble("best_decrease", i));
                    }
                }
            }
        }
        assertEquals(java.util.Set.of("nes"), smoothed, "the Gaussian-smoothing estimator, and only that");
        assertEquals(sweepBest.keySet(), wholeStep.keySet(), "one layer sweep per lr sweep");
        sweepBest.forEach((k, v) -> assertEquals(v, wholeStep.get(k), 1e-6 * Math.abs(v) + 1e-9, k));
        restrictions.values().forEach(n -> assertEquals(3 + 2, n, "depth 2: three layers alone, the hidden ones, the whole step"));
        // and a teacher is part of the task: the default teacher gives other data targets, so other numbers
        CliFixture.Result fp = CliFixture.run(runs);
        CliFixture.assertStage(fp, "generate-data", "hit", 0);
        assertTrue(fp.stages().get("init-models")[0].equals("miss"), "another teacher, other models");
    }

    @Test
    void theCdgCrossingsAnswerJoinsEachEstimateWithItsOwnSteAndItsOtherBatches(@TempDir Path runs) throws Exception {
        CliFixture.Result r = CliFixture.run(runs);
        assertTrue(r.out().contains("verdict question=cdg-crossings strata="), r.out());
        Path run = runDir(r);
        assertFigures(run, "cdg_crossings_repeatability", "cdg_crossings_ste");
        ColumnTable points = ArrowFiles.read(run.resolve("tables/cdg_crossings.arrow"));
        ArtifactStore store = new ArtifactStore(runs.resolve("cache"));
        String summary = store.list().stream().filter(a -> a[0].equals("summary")).findFirst().orElseThrow()[1];
        ColumnTable cos = ArrowFiles.read(store.file("summary", summary, "cosine.arrow"));
        // every cosine with STE in the answer is the cosine stage's number for the same (model, batch, layer)
        java.util.List<Double> expected = new ArrayList<>();
        for (int i = 0; i < cos.rows(); i++) {
            boolean cdgVsSte = cos.string("a", i).equals("ste") && cos.string("b", i).startsWith("cdg(");
            if (cdgVsSte && !cos.string("tensor", i).equals("all") && !cos.string("tensor", i).equals("layer2.weight")) {
                expected.add(cos.getDouble("cosine", i));
            }
        }
        java.util.List<Double> got = new ArrayList<>();
        for (int i = 0; i < points.rows(); i++) {
            got.add(points.getDouble("cosine_with_ste", i));
            assertTrue(points.getDouble("crossings_per_coordinate", i) >= 0);
        }
        expected.sort(null);
        got.sort(null);
        assertEquals(expected.size(), got.size(), "one point per CDG estimate and hidden layer");
        for (int i = 0; i < got.size(); i++) {
            assertEquals(expected.get(i), got.get(i), 1e-6);
        }
        // with two batches per model, each estimate's repeatability is its cosine with the other one: the values come in pairs
        java.util.Map<String, Integer> pairs = new java.util.HashMap<>();
        for (int i = 0; i < points.rows(); i++) {
            pairs.merge(String.format(java.util.Locale.ROOT, "%s|%.9f", points.string("layer", i), points.getDouble("repeatability", i)), 1,
                    Integer::sum);
        }
        pairs.forEach((k, n) -> assertEquals(0, n % 2, "an unpaired repeatability " + k));
        // the verdict tests within each (eps, layer), never pooled over them
        ColumnTable strata = ArrowFiles.read(run.resolve("tables/cdg_crossings_strata.arrow"));
        java.util.Set<String> distinct = new java.util.HashSet<>();
        for (int i = 0; i < points.rows(); i++) {
            distinct.add(points.getDouble("eps", i) + "|" + points.string("layer", i));
        }
        assertEquals(distinct.size(), strata.rows(), "one row per (eps, layer)");
        for (int i = 0; i < strata.rows(); i++) {
            assertEquals(strata.getLong("points", i) >= bitgrad.models.stats.SpearmanTest.MIN_POINTS, strata.get("p_holm", i) != null,
                    "a stratum is tested exactly when it has enough points");
        }
    }

    private static String id(ColumnTable t, int row) {
        return t.getLong("dim", row) + "|" + t.getLong("init", row) + "|" + t.getLong("batch", row) + "|" + t.getLong("pretrained", row)
                + "|" + t.string("estimator_spec", row);
    }

    @Test
    void pretrainingAtIdenticalSettingsIsSharedAcrossPresets(@TempDir Path runs) throws Exception {
        String[] same = {"num_init=1", "data.batch=[256]", "data.num_batch=1", "pretrain.enabled=[true]", "pretrain.steps=10",
            "pretrain.batch=256", "sweep.lr_count=10"};
        List<String> first = new ArrayList<>(List.of(same));
        first.addAll(List.of("estimators.sr_ste.tau=[1.0]", "estimators.sr_ste.k=[1]", "estimators.sr_ste.backward=[quantizer]"));
        CliFixture.Result a = preset(runs, "stochastic-rounding", first.toArray(String[]::new));
        CliFixture.assertStage(a, "pretrain", "miss", 1);
        List<String> second = new ArrayList<>(List.of(same));
        second.addAll(List.of("estimators.nes.samples=[20]", "estimators.ste_random.keep=[]", "questions.nes_snr=false", "probes.nes_directions=4",
                "probes.candidates=2", "probes.radii=[0.1]", "probes.lr_points=2"));
        CliFixture.Result b = preset(runs, "discussion", second.toArray(String[]::new));
        CliFixture.assertStage(b, "pretrain", "hit", 0);
        assertTrue(b.out().contains("pretrain dim=16 model=0 steps=10 final_loss="), b.out());
    }

    @Test
    void rosenbrockConverges(@TempDir Path runs) throws Exception {
        CliFixture.Result r = preset(runs, "rosenbrock", "rosenbrock.starts=1", "rosenbrock.cdg_eps=[0.001]", "rosenbrock.nes_sigma=[]",
                "rosenbrock.optimizers=[adam]", "rosenbrock.gradcheck.samples=[100,1000,10000]");
        assertFigures(runDir(r), "rosenbrock_adam", "rosenbrock_cosine_adam", "gradcheck_cdg", "gradcheck_nes");
        Matcher m = Pattern.compile("rosenbrock start=0 estimator=cdg\\(eps=0.001\\) optimizer=adam steps=100000 final_f=(\\S+) "
                + "distance_to_min=(\\S+) final_cosine=(\\S+)").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) < 1e-10, "f at the end: " + m.group(1));
        assertTrue(Double.parseDouble(m.group(3)) > 0.999, "cosine at the end: " + m.group(3));
        Matcher slope = Pattern.compile("gradcheck estimator=cdg slope=(\\S+) min_slope=(\\S+) max_slope=(\\S+) points=4").matcher(r.out());
        assertTrue(slope.find(), r.out());
        assertEquals(2.0, Double.parseDouble(slope.group(2)), 0.05, slope.group());
        assertEquals(2.0, Double.parseDouble(slope.group(3)), 0.05, slope.group());
        Matcher nes = Pattern.compile("gradcheck estimator=nes sigma=0.001 slope=(\\S+)").matcher(r.out());
        assertTrue(nes.find(), r.out());
        assertEquals(-0.5, Double.parseDouble(nes.group(1)), 0.1, nes.group());
    }

    @Test
    void mismatchTableHasFpRowsAtOne(@TempDir Path runs) throws Exception {
        CliFixture.Result r = preset(runs, "mismatch-table", "data.batch=[4096]", "num_init=1", "sweep.lr_count=20");
        Path run = runDir(r);
        assertFigures(run, "mismatch_");
        ColumnTable t = ArrowFiles.read(run.resolve("tables/mismatch.arrow"));
        assertEquals(4 * 2 * 5, t.rows(), "4 activations x 2 eps x (3 hidden layers + their mean + the output layer apart)");
        for (int i = 0; i < t.rows(); i++) {
            double c = t.getDouble("cosine_cdg_ste", i);
            String layer = t.string("layer", i);
            if (t.string("activation", i).equals("identity") || layer.equals("output (layer3)")) {
                // FP: CDG and STE are both the gradient; the output layer: the loss is quadratic in it, for every activation
                assertTrue(c > 0.999, t.string("activation", i) + " row " + layer + " eps " + t.getDouble("eps", i) + ": " + c);
            } else if (layer.equals("layer0")) {
                assertTrue(c < 0.99, "quantized first layers disagree: " + c);
            }
            assertTrue(layer.matches("layer[0-2]|hidden mean|output \\(layer3\\)"), layer);
        }
        // the quantizers' inputs as drawn: the ternary first layer mostly at 0; with model.normalize: unit std, zeros at about 38 %
        ColumnTable occupancy = ArrowFiles.read(run.resolve("tables/level_occupancy.arrow"));
        CliFixture.Result n = preset(runs, "mismatch-table", "data.batch=[4096]", "num_init=1", "sweep.lr_count=20", "model.normalize=true",
                "model.activation=[ternary]");
        ColumnTable normalized = ArrowFiles.read(runDir(n).resolve("tables/level_occupancy.arrow"));
        for (ColumnTable o : List.of(occupancy, normalized)) {
            for (int i = 0; i < o.rows(); i++) {
                if (o.string("activation", i).equals("ternary") && o.string("layer", i).equals("layer0") && o.getDouble("level", i) == 0) {
                    boolean scaled = o.getLong("normalized", i) == 1;
                    assertEquals(o == normalized, scaled);
                    assertEquals(scaled ? 0.38 : 0.6, o.getDouble("share", i), 0.05, "zeros of the first ternary layer");
                    assertEquals(scaled ? 1 : 0.58, o.getDouble("pre_activation_std", i), 0.05);
                }
            }
        }
        assertTrue(r.out().contains("mismatch dim=32 activation=identity eps=0.1 layer=0 cosine="), r.out());
        assertTrue(r.out().matches("(?s).*mismatch dim=32 activation=sign eps=0.01 layer=0 cosine=\\S+ sd=\\S+ repeats=1 crossings_per_coordinate=[0-9.]+\\n.*"), r.out());
    }

    /**
     * The discussion preset scaled down answers all five questions, each with its verdict headline;
     * question nes-after-pretraining is measured at its extra dim too, with STE, CDG and NES only.
     */
    @Test
    void discussionAnswersAllFiveQuestions(@TempDir Path runs) throws Exception {
        CliFixture.Result r = preset(runs, "discussion", "dims=[6]", "questions.nes_dims=[4]", "num_init=2", "data.batch=[512]",
                "data.num_batch=1", "pretrain.steps=20", "pretrain.batch=512", "estimators.nes.samples=[60]", "estimators.ste_random.k=[1,4]",
                "probes.nes_directions=10", "probes.candidates=4", "probes.radii=[0.1,1.0]", "probes.lr_points=5", "sweep.lr_count=30",
                "questions.smoothing_samples=16", "questions.nes_snr_samples=[20,80]", "questions.nes_snr_seeds=3");
        for (String q : List.of("nes-after-pretraining", "smoothing", "last-layer", "sr-ste-gain", "cdg-crossings")) {
            assertTrue(r.out().contains("verdict question=" + q + " "), q + " in\n" + r.out());
        }
        Matcher v = Pattern.compile("verdict question=nes-after-pretraining supported=\\S+ nes_descends_raw=[0-9.]+ nes_descends_pretrained="
                + "[0-9.]+ snr_raw=\\S+ snr_pretrained=\\S+ samples=80 ").matcher(r.out());
        assertTrue(v.find(), r.out());
        Path run = runDir(r);
        assertFigures(run, "nes_pretraining_variance", "nes_pretraining_smoothing", "nes_pretraining_curvature", "nes_pretraining_batch_noise");
        // the extra dim has STE, CDG and NES sweeps, no layer sweeps; nes-snr runs on the first batch of every model of both dims
        ColumnTable best = ArrowFiles.read(run.resolve("tables/nes_pretraining.arrow"));
        java.util.Set<String> atFour = new java.util.TreeSet<>();
        for (int i = 0; i < best.rows(); i++) {
            if (best.getLong("dim", i) == 4) {
                atFour.add(best.string("family", i));
            }
        }
        assertEquals(java.util.Set.of("cdg", "nes", "ste"), atFour);
        List<Path> snr;
        try (Stream<Path> s = Files.list(runs.resolve("cache/nes-snr"))) {
            snr = s.toList();
        }
        assertEquals(2 * 2 * 2, snr.size(), "2 dims x 2 inits x raw and pretrained");
        // nested counts 20 and 80 from the same seeds: the spread of single estimates halves (1/sqrt(N))
        double ratio = 0;
        for (Path p : snr) {
            ColumnTable t = ArrowFiles.read(p.resolve(NesSnrStage.SNR.file()));
            assertEquals(2, t.rows());
            ratio += t.getDouble("spread", 1) / t.getDouble("spread", 0) / snr.size();
        }
        assertEquals(0.5, ratio, 0.1, "spread at N=80 over spread at N=20");
        assertProbes(runs, run, r);
    }

    /** The discussion probes of a run at dim 6: each probe (one per model and batch) has its figures and tables. */
    private static void assertProbes(Path runs, Path run, CliFixture.Result r) throws Exception {
        assertFigures(run, "probe_nes_", "probe_search_", "probe_sr_", "probe_ste_random", "lr_curves_");
        assertTrue(Files.exists(run.resolve("tables/probe_best.arrow")) && Files.exists(run.resolve("tables/probe_best_2.arrow")),
                "one best table per probe");
        Matcher m = Pattern.compile("discussion dim=6 ste_lr=\\S+ ste_decrease=(\\S+) nes_decrease=(\\S+) nes_max_decrease=(\\S+) "
                + "nes_max_heldout_decrease=\\S+ search_best_radius=\\S+ search_best_decrease=(\\S+) search_best_heldout_decrease=\\S+"
                + " ste_heldout_decrease=\\S+").matcher(r.out());
        assertTrue(m.find(), r.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0, "STE descends at its own best lr: " + m.group());
        Path probe;
        try (Stream<Path> s = Files.list(runs.resolve("cache/probe"))) {
            probe = s.findFirst().orElseThrow();
        }
        ColumnTable nes = ArrowFiles.read(probe.resolve("nes_points.arrow"));
        assertEquals(20, nes.rows(), "10 of NES's own directions and their negatives");
        int best = 0;
        for (int i = 0; i < nes.rows(); i++) {
            best = nes.getDouble("point_decrease", i) > nes.getDouble("point_decrease", best) ? i : best;
        }
        double max = nes.getDouble("step_decrease", best);
        // the headline of this probe: the one whose NES max point the table holds
        boolean matched = false;
        for (Matcher h = m.reset(); h.find();) {
            matched |= Math.abs(Double.parseDouble(h.group(3)) - max) <= 1e-6 * Math.max(1, Math.abs(max));
        }
        assertTrue(matched, "a headline's max point = the table's best point " + max + " in\n" + r.out());
        ColumnTable search = ArrowFiles.read(probe.resolve("search.arrow"));
        assertEquals(2, search.rows(), "one row per radius");
        for (int i = 0; i < search.rows(); i++) {
            assertTrue(search.getDouble("best_decrease", i) >= search.getDouble("mean_decrease", i), "best >= mean at row " + i);
        }
    }

    static final String[] SMALL_RESNET = {"resnet.channels=[4]", "resnet.steps=4", "resnet.batch=16", "resnet.images=64",
        "resnet.grad_batch=16", "cdg.coords=8"};

    @Test
    void resnetCdgYieldsScattersCosinesAndPretrainingCurves(@TempDir Path runs) throws Exception {
        CliFixture.Result r = preset(runs, "resnet-cdg", SMALL_RESNET);
        Path run = runDir(r);
        assertFigures(run, "resnet_pretrain_loss", "resnet_pretrain_accuracy", "resnet_scatter_c4_fp_l1_", "resnet_scatter_c4_fp_l8_",
                "resnet_scatter_c4_fp_l15_", "resnet_scatter_c4_binary_l1_", "resnet_scatter_c4_binary_l8_", "resnet_scatter_c4_binary_l15_");
        ColumnTable cos = ArrowFiles.read(run.resolve("tables/resnet_cosine.arrow"));
        assertEquals(2 * 3, cos.rows(), "2 weight cases x 3 layers");
        for (int i = 0; i < cos.rows(); i++) {
            assertEquals(8, cos.getLong("coords", i), "sampled coordinates are reported");
            double c = cos.getDouble("cosine", i);
            assertTrue(c >= -1 && c <= 1, "cosine " + c);
        }
        assertEquals(4L * 4 * 9, cos.getLong("coords_total", 0), "binary conv 1 at width 4 is 4x4x3x3");
        Matcher m = Pattern.compile("resnet channels=4 binary_weights=true layer=15 eps=0.01 cosine=(\\S+) coords=8/9216").matcher(r.out());
        assertTrue(m.find(), r.out());
        String html = Files.readString(run.resolve("report.html"));
        assertTrue(html.contains("cosine(CDG, STE) per case and layer") && html.contains("channels=4, binary weights"), "cosine tables in the report");

        CliFixture.Result again = preset(runs, "resnet-cdg", SMALL_RESNET);
        assertTrue(again.out().contains("stage=resnet-pretrain cache=hit"), again.out());
        assertTrue(again.out().contains("stage=resnet-grad cache=hit"), again.out());
        assertTrue(again.out().contains(m.group()), "same numbers from the cache");
    }

    @Test
    void resnetReadsCifar10BinaryFiles(@TempDir Path runs, @TempDir Path cifar) throws Exception {
        byte[] records = new byte[64 * 3073];
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(1);
        for (int i = 0; i < 64; i++) {
            records[i * 3073] = (byte) (i % 10);
            for (int k = 1; k < 3073; k++) {
                records[i * 3073 + k] = (byte) rnd.nextInt(256);
            }
        }
        Files.write(cifar.resolve("data_batch_1.bin"), records);
        List<String> sets = new ArrayList<>(List.of(SMALL_RESNET));
        sets.addAll(List.of("data.cifar10=" + cifar, "resnet.layers=[1]", "resnet.binary_weights=[true]"));
        CliFixture.Result r = preset(runs, "resnet-cdg", sets.toArray(String[]::new));
        assertTrue(r.out().contains("resnet channels=4 binary_weights=true layer=1"), r.out());
        Path data;
        try (Stream<Path> s = Files.list(runs.resolve("cache/image-data"))) {
            data = s.findFirst().orElseThrow();
        }
        assertTrue(Files.readString(data.resolve("manifest.json")).contains("cifar10"), "the data artifact records its source");
        assertTrue(Files.readString(runDir(r).resolve("report.html")).contains("CIFAR-10 training images"));
    }

    @Test
    void resnetBadInputIsOneLineExitTwo(@TempDir Path runs) {
        String[][] bad = {{"data.cifar10=/no/such/folder"}, {"resnet.layers=[17]"}, {"resnet.channels=[0]"}, {"cdg.coords=-1"},
            {"resnet.grad_batch=100000"}, {"resnet.activation=bogus"}};
        for (String[] sets : bad) {
            List<String> args = new ArrayList<>(List.of("run", "resnet-cdg", "--runs-dir", runs.toString()));
            for (String s : sets) {
                args.add("--set");
                args.add(s);
            }
            CliFixture.Result r = CliFixture.cli(args.toArray(String[]::new));
            assertEquals(2, r.code(), String.join(" ", sets) + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
        CliFixture.Result r = CliFixture.cli("run", "quickstart", "--runs-dir", runs.toString(), "--set", "cdg.coords=5");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("resnet experiment only"), r.err());
    }

    @Test
    void theReadmeAndTheExperimentsListGiveTheSameScaleDownHints() throws Exception {
        String readme = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("README.md"));
        for (String preset : bitgrad.pipelines.config.ConfigLoader.PRESETS) {
            String d = bitgrad.pipelines.config.ConfigLoader.description(preset);
            if (!d.contains("Scale down with ")) {
                continue;
            }
            String hint = d.substring(d.indexOf("Scale down with ") + "Scale down with ".length()).strip();
            String row = readme.lines().filter(l -> l.startsWith("| `" + preset + "` |")).findFirst().orElseThrow(() ->
                    new AssertionError("README has no row for " + preset));
            String cell = row.substring(row.lastIndexOf('|', row.length() - 2) + 1, row.length() - 1).strip().replace("`", "");
            assertEquals(hint, cell, preset + ": experiments says one thing, the README another");
        }
    }
}
