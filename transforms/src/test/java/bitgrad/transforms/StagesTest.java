package bitgrad.transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import bitgrad.models.estimators.CdgEstimator;
import bitgrad.models.estimators.Estimator;
import bitgrad.models.estimators.Estimators;
import bitgrad.models.estimators.NesEstimator;
import bitgrad.models.estimators.SteEstimator;
import bitgrad.models.measure.Gradients;
import bitgrad.models.measure.LrSweep;
import bitgrad.models.nets.MlpSpec;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.models.quant.Quantizer;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Tables;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each stage on its own: a hand-planned task through its Beam transform on a TestPipeline, over a temporary store. */
class StagesTest {

    @Test
    void aLayerRestrictionKeepsExactlyItsTensors() {
        ParamSet d = bitgrad.models.nets.Mlp.init(new MlpSpec(3, 2, Quantizer.parse("sign"), false), 1);
        assertEquals(List.of("layer0", "layer1", "layer2", "hidden", "all"), LayerSweepStage.updates(d.count()));
        for (String u : LayerSweepStage.updates(d.count())) {
            ParamSet r = LayerSweepStage.restrict(d, u);
            for (int t = 0; t < d.count(); t++) {
                boolean kept = u.equals("all") || u.equals("hidden") && t < 2 || u.equals("layer" + t);
                float[] want = kept ? d.get(t).data() : new float[d.get(t).size()];
                assertArrayEquals(want, r.get(t).data(), u + " tensor " + t);
            }
        }
    }

    static final MlpSpec SIGN = new MlpSpec(4, 2, Quantizer.parse("sign"), false);
    static final MlpSpec FP = new MlpSpec(4, 2, Quantizer.parse("identity"), false);

    /** data, a held-out batch, init and (optionally) a model for one toy problem. */
    record Toy(TaskRef data, TaskRef heldout, TaskRef init, TaskRef model) {
        Map<String, List<TaskRef>> inputs() {
            return Map.of("data", List.of(data), "init", List.of(init), "model", List.of(model));
        }

        /** What a sweep or probe reads besides the estimates. */
        Map<String, List<TaskRef>> sweepInputs(List<TaskRef> estimates) {
            Map<String, List<TaskRef>> in = new java.util.LinkedHashMap<>(inputs());
            in.put("heldout", List.of(heldout));
            in.put("estimates", estimates);
            return in;
        }
    }

    static Toy toy(StageFixture f, MlpSpec spec, long rows) {
        TaskRef data = f.one(f.task(Stages.GENERATE_DATA, new GenerateDataStage.Params(spec.dim(), rows, 100, 7), Map.of()));
        TaskRef heldout = f.one(f.task(Stages.GENERATE_DATA, new GenerateDataStage.Params(spec.dim(), rows, 100, 8), Map.of()));
        TaskRef init = f.one(f.task(Stages.INIT_MODELS, new InitModelsStage.Params(spec, 11), Map.of()));
        return new Toy(data, heldout, init, init);
    }

    static TaskRef estimate(StageFixture f, Toy toy, MlpSpec spec, Estimator e) {
        return f.one(f.task(Stages.ESTIMATE, new EstimateStage.Params(spec, e, 5), toy.inputs()));
    }

    /**
     * NES tasks of one model, batch, sigma and seed run as one group (one pass): each artifact is
     * byte for byte the one its task computes alone, rank shaping and other sigmas stay alone, and a
     * group with some members cached computes only the others.
     */
    @Test
    void nesFormsAndCountsOfOneSigmaAreComputedInOnePassWithTheSameArtifacts(@TempDir Path dir) throws Exception {
        StageFixture grouped = new StageFixture(dir.resolve("grouped"));
        StageFixture alone = new StageFixture(dir.resolve("alone"));
        Toy g = toy(grouped, SIGN, 300);
        Toy a = toy(alone, SIGN, 300);
        List<Estimator> forms = new ArrayList<>();
        for (int n : new int[] {8, 24}) {
            forms.add(new NesEstimator(0.1, n, true, true, false));
            forms.add(new NesEstimator(0.1, n, false, true, false));
            forms.add(new NesEstimator(0.1, n, false, false, false));
        }
        forms.add(new NesEstimator(0.1, 8, true, true, true)); // ranks: alone
        forms.add(NesEstimator.antithetic(0.2, 8)); // another sigma: its own group
        List<Task> tasks = new ArrayList<>();
        for (Estimator e : forms) {
            tasks.add(grouped.task(Stages.ESTIMATE, new EstimateStage.Params(SIGN, e, 5), g.inputs()));
        }
        List<List<Task>> groups = TaskGroups.of(Stages.ESTIMATE, tasks);
        assertEquals(List.of(6, 1, 1), groups.stream().map(List::size).toList());
        // one member cached already: the group computes the other five
        grouped.run(tasks.get(4));
        grouped.run("hit", tasks.get(4));
        List<Task> rest = new ArrayList<>(tasks);
        rest.remove(4);
        grouped.run(rest.toArray(new Task[0]));
        for (int i = 0; i < forms.size(); i++) {
            Task t = tasks.get(i);
            TaskRef single = estimate(alone, a, SIGN, forms.get(i));
            byte[] want = java.nio.file.Files.readAllBytes(alone.store.file(single.stage(), single.key(), EstimateStage.GRADIENT.file()));
            byte[] got = java.nio.file.Files.readAllBytes(grouped.store.file(t.stage(), t.key(), EstimateStage.GRADIENT.file()));
            assertArrayEquals(want, got, forms.get(i).label());
            Object shared = grouped.store.manifest(t.stage(), t.key()).info().get("shared_pass");
            assertEquals(i < 6 && i != 4 ? 5 : null, shared == null ? null : ((Number) shared).intValue(), forms.get(i).label());
        }
    }

    @Test
    void generateDataWritesSeededSlices(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        Task t = f.task(Stages.GENERATE_DATA, new GenerateDataStage.Params(3, 250, 100, 42), Map.of());
        TaskRef ref = f.one(t);
        try (var r = new bitgrad.schemas.ArrowFiles.Reader(f.store.file(ref.stage(), ref.key(), GenerateDataStage.DATA.file()))) {
            assertEquals(3, r.batches(), "250 rows in slices of 100");
            assertEquals(50, r.batch(2).rows());
        }
        ColumnTable all = f.table(ref, GenerateDataStage.DATA);
        assertEquals(250, all.rows());
        assertEquals(3, all.floats("x", 0).length);
        double sum = 0;
        double sq = 0;
        for (int r = 0; r < all.rows(); r++) {
            for (float v : all.floats("x", r)) {
                sum += v;
                sq += v * v;
            }
        }
        assertEquals(0, sum / 750, 0.15, "N(0, 1) mean");
        assertEquals(1, sq / 750, 0.2, "N(0, 1) variance");
        // the same task again is a cache hit; another seed gives other data
        f.run("hit", t);
        TaskRef other = f.one(f.task(Stages.GENERATE_DATA, new GenerateDataStage.Params(3, 250, 100, 43), Map.of()));
        assertFalse(java.util.Arrays.equals(all.floats("x", 0), f.table(other, GenerateDataStage.DATA).floats("x", 0)));
    }

    @Test
    void initModelsWritesTeacherAndStudentOfTheSpecShape(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        TaskRef ref = f.one(f.task(Stages.INIT_MODELS, new InitModelsStage.Params(SIGN, 3), Map.of()));
        ParamSet teacher = f.tensors(ref, InitModelsStage.TEACHER);
        ParamSet student = f.tensors(ref, InitModelsStage.STUDENT);
        assertEquals(3, student.count(), "two hidden layers and the output layer");
        assertArrayEquals(new long[] {4, 4}, student.get(0).shape());
        assertArrayEquals(new long[] {1, 4}, student.get(2).shape());
        assertEquals(student.count(), teacher.count());
        assertFalse(java.util.Arrays.equals(teacher.get(0).data(), student.get(0).data()), "teacher and student from separate seeds");
        double bound = 1 / Math.sqrt(4);
        for (float v : student.get(0).data()) {
            assertTrue(Math.abs(v) <= bound, "U(-1/sqrt(fan_in), 1/sqrt(fan_in))");
        }
    }

    @Test
    void pretrainLowersTheLossAndRecordsEveryStep(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        Toy toy = toy(f, FP, 64);
        TaskRef ref = f.one(f.task(Stages.PRETRAIN, new PretrainStage.Params(FP, "adam", 0.01, 30, 256, 1),
                Map.of("init", List.of(toy.init()))));
        ColumnTable curve = f.table(ref, PretrainStage.CURVE);
        assertEquals(30, curve.rows());
        assertTrue(curve.getDouble("loss", 29) < curve.getDouble("loss", 0), "training lowers the loss");
        assertEquals(f.tensors(toy.init(), InitModelsStage.STUDENT).count(), f.tensors(ref, PretrainStage.STUDENT).count());
    }

    @Test
    void estimateOnAFullPrecisionModelAgreesWithFiniteDifferences(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        Toy toy = toy(f, FP, 256);
        ParamSet ste = f.tensors(estimate(f, toy, FP, new SteEstimator()), EstimateStage.GRADIENT);
        ParamSet cdg = f.tensors(estimate(f, toy, FP, new CdgEstimator(1e-2)), EstimateStage.GRADIENT);
        double[] per = Gradients.cosinePerTensor(ste, cdg);
        for (double c : per) {
            assertTrue(c > 0.999, "identity activations: STE is the exact gradient, CDG agrees: " + java.util.Arrays.toString(per));
        }
        double ratio = Math.sqrt(Gradients.dot(ste.get(0).data(), ste.get(0).data()) / Gradients.dot(cdg.get(0).data(), cdg.get(0).data()));
        assertEquals(1, ratio, 0.01, "same scale, not only the same direction");
    }

    @Test
    void lrSweepMeasuresEveryEstimateAndPairsThemByTheirSpecs(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        Toy toy = toy(f, SIGN, 256);
        List<Estimator> ests = List.of(new SteEstimator(), new CdgEstimator(0.1), NesEstimator.antithetic(0.1, 20));
        List<TaskRef> refs = new ArrayList<>();
        ests.forEach(e -> refs.add(estimate(f, toy, SIGN, e)));
        Map<String, List<TaskRef>> in = toy.sweepInputs(refs);
        GridPoint g = new GridPoint(4, "sign", 256, 0, 0, false);
        TaskRef sweep = f.one(f.task(Stages.LR_SWEEP, new LrSweepStage.Params(SIGN, g, 1e-3, 1e-3, 10, "per_tensor", null), in));
        ColumnTable curves = f.table(sweep, LrSweepStage.CURVES);
        ColumnTable best = f.table(sweep, LrSweepStage.BEST);
        assertEquals(3, best.rows());
        int from = 0;
        for (int r = 0; r < best.rows(); r++) {
            Estimator e = Estimators.decode(best.string("estimator_spec", r));
            assertEquals(ests.get(r), e, "rows in input order, specs decode to the estimators");
            assertEquals(e.label(), best.string("estimator", r));
            // this estimator's rows: the grid's 10 rates, and more past an end where its best rate sat there
            int to = from;
            while (to < curves.rows() && curves.string("estimator_spec", to).equals(best.string("estimator_spec", r))) {
                to++;
            }
            assertTrue(to - from >= 10, "every rate of the grid swept");
            assertEquals(best.getDouble("lr_low", r), curves.getDouble("lr", from), 0, "lr_low is the lowest rate swept");
            assertEquals(best.getDouble("lr_high", r), curves.getDouble("lr", to - 1), 0, "lr_high is the highest rate swept");
            double max = Double.NEGATIVE_INFINITY;
            int at = -1;
            double heldMax = Double.NEGATIVE_INFINITY;
            for (int k = from; k < to; k++) {
                if (k > from) {
                    assertTrue(curves.getDouble("lr", k) > curves.getDouble("lr", k - 1), "rates ascend");
                }
                if (curves.getDouble("decrease", k) > max) {
                    max = curves.getDouble("decrease", k);
                    at = k;
                }
                heldMax = Math.max(heldMax, curves.getDouble("heldout_decrease", k));
            }
            assertEquals(max, best.getDouble("best_decrease", r), 1e-12, "best is the curve's maximum");
            assertEquals(max > LrSweep.FLAT * Math.abs(best.getDouble("base_loss", r)), best.get("best_lr", r) != null,
                    "a best lr only where some rate went downhill by more than rounding");
            if (best.get("best_lr", r) != null) {
                assertEquals(best.getLong("at_edge", r) == 1, at == from || at == to - 1, "at_edge: the best rate at an end of the rates swept");
                assertEquals(0L, best.getLong("at_edge", r), "the grid (1e-3 .. 1e-2) is extended until it holds the best rate");
            }
            assertEquals(curves.getDouble("heldout_decrease", at), best.getDouble("heldout_decrease", r), 1e-12,
                    "held-out decrease at the lr chosen on the gradient's batch");
            assertEquals(heldMax, best.getDouble("heldout_best_decrease", r), 1e-12);
            from = to;
            assertTrue(best.getDouble("heldout_base_loss", r) != best.getDouble("base_loss", r), "another batch");
        }
        // the reference method, a forward pass per rate: its own task (the method is in the key), the same losses
        TaskRef copies = f.one(f.task(Stages.LR_SWEEP, new LrSweepStage.Params(SIGN, g, 1e-3, 1e-3, 10, "per_tensor", "copies"), in));
        assertFalse(copies.key().equals(sweep.key()));
        ColumnTable reference = f.table(copies, LrSweepStage.CURVES);
        for (int r = 0; r < curves.rows(); r++) {
            for (String col : new String[] {"loss", "heldout_loss"}) {
                assertEquals(reference.getDouble(col, r), curves.getDouble(col, r), 1e-5 * reference.getDouble(col, r), col + " row " + r);
            }
        }
        assertNull(best.get("perturbation_norm", 0), "STE perturbs no weight");
        assertEquals(4L, curves.getLong("dim", 0), "every row says which grid point it belongs to");
        assertEquals("sign", curves.string("activation", 0));
        assertEquals("cdg", best.string("family", 1));
        assertEquals(0.1, best.getDouble("perturbation_norm", 1), 0, "CDG moves one coordinate by eps");
        assertEquals(0.1 * Math.sqrt(4 * 4 * 2 + 4), best.getDouble("perturbation_norm", 2), 1e-12, "NES: sigma sqrt(numel)");
        TaskRef pairs = f.one(f.task(Stages.COSINE, new CosineStage.Params(g, "per_tensor"), Map.of("estimates", refs)));
        ColumnTable cos = f.table(pairs, CosineStage.COSINE);
        assertEquals(3 * (3 + 1), cos.rows(), "3 pairs x (3 tensors + all)");
        for (int r = 0; r < cos.rows(); r++) {
            assertTrue(Math.abs(cos.getDouble("cosine", r)) <= 1 + 1e-9);
        }
        for (int pair = 0; pair < 3; pair++) {
            double mean = (cos.getDouble("cosine", pair * 4) + cos.getDouble("cosine", pair * 4 + 1) + cos.getDouble("cosine", pair * 4 + 2)) / 3;
            assertEquals("all", cos.string("tensor", pair * 4 + 3));
            assertEquals(mean, cos.getDouble("cosine", pair * 4 + 3), 1e-6, "all = cosine of per-tensor unit directions = mean per tensor");
        }
    }

    @Test
    void probeAndSummaryReadWhatTheirInputsSayTheyAre(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        Toy toy = toy(f, SIGN, 256);
        List<TaskRef> refs = List.of(estimate(f, toy, SIGN, new SteEstimator()), estimate(f, toy, SIGN, new CdgEstimator(0.1)));
        Map<String, List<TaskRef>> in = toy.sweepInputs(refs);
        GridPoint g = new GridPoint(4, "sign", 256, 2, 1, true);
        TaskRef probe = f.one(f.task(Stages.PROBE, new ProbeStage.Params(SIGN, g, 1e-3, 1e-3, 10, 5, List.of(0.1, 0.5), 3, 2, 3, 9, null), in));
        assertEquals(0, f.table(probe, ProbeStage.NES_POINTS).rows(), "no NES estimate, no NES points");
        assertEquals(2, f.table(probe, ProbeStage.SEARCH).rows());
        assertEquals(0, f.table(probe, ProbeStage.SR_UPDATE).rows(), "no sr-STE estimate, no sr probe");
        assertEquals(2, f.table(probe, ProbeStage.BEST).rows(), "STE and CDG, each at its own best lr");
        // every selection is scored on held-out rows too: STE's step at its own best lr, held out, two ways (sweep and probe)
        ColumnTable own = f.table(probe, ProbeStage.BEST);
        ColumnTable search = f.table(probe, ProbeStage.SEARCH);
        double held = own.getDouble("heldout_decrease", 0);
        assertEquals(held, search.getDouble("ste_heldout_decrease", 0), 1e-4 * Math.abs(held) + 1e-7, "STE held out at its best lr");
        assertTrue(search.getDouble("best_heldout_decrease", 0) != search.getDouble("best_decrease", 0), "another batch");

        // the NES max point probes NES's own sample points: from their losses the NES estimate is rebuilt exactly
        TaskRef nesRef = estimate(f, toy, SIGN, NesEstimator.antithetic(0.1, 5));
        List<TaskRef> withNes = List.of(refs.get(0), refs.get(1), nesRef);
        TaskRef probeNes = f.one(f.task(Stages.PROBE, new ProbeStage.Params(SIGN, g, 1e-3, 1e-3, 10, 5, List.of(0.1), 3, 2, 3, 9, null),
                toy.sweepInputs(withNes)));
        ColumnTable nes = f.table(probeNes, ProbeStage.NES_POINTS);
        assertEquals(10, nes.rows(), "5 directions and their negatives");
        ParamSet estimate = f.tensors(nesRef, EstimateStage.GRADIENT);
        float[] rebuilt = new float[Math.toIntExact(estimate.numel())];
        float[] u = new float[rebuilt.length];
        for (int k = 0; k < 5; k++) {
            assertEquals(1L, nes.getLong("sign", 2 * k), "w + sigma u first");
            // L(w + s u) - L(w - s u) = (base - d+) - (base - d-) = d- - d+
            double coef = (nes.getDouble("point_decrease", 2 * k + 1) - nes.getDouble("point_decrease", 2 * k)) / (2 * 0.1) / 5;
            NesEstimator.direction(5, k, u, 0, u.length);
            for (int i = 0; i < u.length; i++) {
                rebuilt[i] += (float) (coef * u[i]);
            }
        }
        float[] flat = new float[rebuilt.length];
        int off = 0;
        for (int t = 0; t < estimate.count(); t++) {
            System.arraycopy(estimate.get(t).data(), 0, flat, off, estimate.get(t).size());
            off += estimate.get(t).size();
        }
        assertEquals(1.0, bitgrad.models.measure.Gradients.cosine(rebuilt, flat), 1e-4, "the probe's points are the estimate's own");
        assertEquals(3, f.table(probeNes, ProbeStage.BEST).rows());

        TaskRef sweep = f.one(f.task(Stages.LR_SWEEP, new LrSweepStage.Params(SIGN, g, 1e-3, 1e-3, 10, "per_tensor", null), in));
        TaskRef ros = f.one(f.task(Stages.ROSENBROCK, new RosenbrockStage.Params(4, 3, 1, new CdgEstimator(0.01), "adam", 20, 0.1,
                0.5, 10, 1e-6, 2), Map.of()));
        TaskRef pairs = f.one(f.task(Stages.COSINE, new CosineStage.Params(g, "per_tensor"), Map.of("estimates", refs)));
        TaskRef sum = f.one(f.task(Stages.SUMMARY, new SummaryStage.Params(), Map.of("sweeps", List.of(sweep), "cosines", List.of(pairs),
                "rosenbrock", List.of(ros))));
        ColumnTable s = f.table(sum, SummaryStage.SUMMARY);
        assertEquals(2, s.rows());
        assertEquals(2L, s.getLong("init", 0), "grid point from the sweep's own parameters");
        assertEquals(1L, s.getLong("batch", 0));
        assertEquals(1L, s.getLong("pretrained", 0));
        assertEquals(new CdgEstimator(0.1), Estimators.decode(s.string("estimator_spec", 1)));
        assertEquals("cdg", s.string("family", 1), "typed columns, no label parsing");
        assertEquals(0.1, s.getDouble("eps", 1), 0);
        assertNull(s.get("sigma", 1));
        assertEquals("ste", s.string("family", 0));
        assertNull(s.get("eps", 0));
        ColumnTable sc = f.table(sum, SummaryStage.COSINE);
        assertEquals(3 + 1, sc.rows(), "one pair (STE, CDG) x (3 tensors + all), from the cosine stage");
        assertEquals(2L, sc.getLong("init", 0), "with the cosine task's grid point");
        ColumnTable r = f.table(sum, SummaryStage.ROSENBROCK);
        assertEquals(3L, r.getLong("start", 0));
        assertEquals(new CdgEstimator(0.01), Estimators.decode(r.string("estimator_spec", 0)));
        ColumnTable path = f.table(ros, RosenbrockStage.TRAJECTORY);
        assertEquals(21, path.rows(), "every step plus the end point");
        assertTrue(path.getDouble("f", 20) < path.getDouble("f", 0), "descent lowers f");
        assertEquals(0.005, path.getDouble("perturbation", 10), 1e-15, "eps decays with the lr");
        assertEquals("adam", r.string("optimizer", 0));
    }

    @Test
    void gradcheckFitsCdgsEpsSquaredAndNessRootN(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        TaskRef check = f.one(f.task(Stages.GRADCHECK, new GradCheckStage.Params(10, 4, new GradCheckStage.PathDescent("adam", 0.1, 0.5,
                100), List.of(5, 50), List.of(1e-2, 1e-3, 1e-4), List.of(1e-3), List.of(100, 1000, 10_000), 7), Map.of()));
        ColumnTable e = f.table(check, GradCheckStage.ERRORS);
        assertEquals(4 * (3 + 3), e.rows(), "start, two path points, near-ones; 3 eps and 3 sample counts each");
        ColumnTable s = f.table(check, GradCheckStage.SLOPES);
        assertEquals(List.of("start", "start", "path-5", "path-5", "path-50", "path-50", "near-ones", "near-ones"),
                java.util.stream.IntStream.range(0, s.rows()).mapToObj(r -> s.string("point", r)).toList());
        for (int r = 0; r < s.rows(); r++) {
            double expected = s.getDouble("expected", r);
            assertEquals(expected, s.getDouble("slope", r), expected > 0 ? 0.02 : 0.2, s.string("point", r) + " " + s.string("family", r));
        }
    }

    @Test
    void resnetStagesTrainAndCompareGradients(@TempDir Path dir) throws Exception {
        StageFixture f = new StageFixture(dir);
        TaskRef images = f.one(f.task(Stages.IMAGE_DATA, new ImageDataStage.Params("synthetic", null, 16, 4L), Map.of()));
        ResNetSpec spec = new ResNetSpec(2, Quantizer.parse("sign"), true);
        TaskRef model = f.one(f.task(Stages.RESNET_PRETRAIN, new ResNetPretrainStage.Params(spec, "adam", 0.01, 2, 8, 1, 2),
                Map.of("data", List.of(images))));
        assertEquals(2, f.table(model, ResNetPretrainStage.CURVE).rows());
        TaskRef grad = f.one(f.task(Stages.RESNET_GRAD, new ResNetGradStage.Params(spec, 16, 0.01, 6, 8, 3),
                Map.of("data", List.of(images), "model", List.of(model))));
        ColumnTable g = f.table(grad, ResNetGradStage.GRADIENTS);
        assertEquals(6, g.rows(), "six sampled coordinates");
        for (int r = 1; r < g.rows(); r++) {
            assertTrue(g.getLong("coord", r) > g.getLong("coord", r - 1), "sorted, distinct");
        }
    }

    @Test
    void theShellRejectsUndeclaredOrMissingFilesAndWrongSchemas(@TempDir Path dir) throws Exception {
        Stage<GenerateDataStage.Params> s = Stages.GENERATE_DATA;
        Path staging = java.nio.file.Files.createDirectories(dir.resolve("staging"));
        IllegalStateException missing = assertThrows(IllegalStateException.class, () -> StageFn.checkOutputs(s, staging));
        assertTrue(missing.getMessage().contains("did not write its declared data.arrow"), missing.getMessage());
        bitgrad.schemas.ArrowFiles.write(staging.resolve("data.arrow"), Tables.PRETRAIN_CURVE.empty());
        IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> StageFn.checkOutputs(s, staging));
        assertTrue(wrong.getMessage().contains("declared data"), wrong.getMessage());
        java.nio.file.Files.delete(staging.resolve("data.arrow"));
        bitgrad.schemas.ArrowFiles.write(staging.resolve("data.arrow"), Tables.DATA.empty());
        StageFn.checkOutputs(s, staging);
        java.nio.file.Files.writeString(staging.resolve("extra.txt"), "x");
        IllegalStateException extra = assertThrows(IllegalStateException.class, () -> StageFn.checkOutputs(s, staging));
        assertTrue(extra.getMessage().contains("undeclared"), extra.getMessage());
    }

    @Test
    void parametersRoundTripAndUnknownFieldsAreErrors() {
        var p = new EstimateStage.Params(SIGN, NesEstimator.antithetic(0.1, 500), 3);
        var json = StageParams.tree(p);
        assertEquals("sign", json.path("model").path("activation").asText());
        assertTrue(json.path("model").has("binary_weights"), json.toString());
        assertEquals("nes", json.path("estimator").path("type").asText());
        assertEquals(p, StageParams.read(json, EstimateStage.Params.class));
        json.put("extra", 1);
        assertThrows(IllegalArgumentException.class, () -> StageParams.read(json, EstimateStage.Params.class));
    }
}
