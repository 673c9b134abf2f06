package bitgrad.transforms;

import bitgrad.models.estimators.ResNetTrainer;
import bitgrad.models.images.ImageSet;
import bitgrad.models.nets.ResNet;
import bitgrad.models.nets.ResNetSpec;
import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.CorruptArtifactException;
import bitgrad.schemas.HostTensor;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Schemas;
import bitgrad.schemas.Tables;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * Stage {@code resnet-pretrain}: STE training of the thin XNOR-ResNet from a seeded
 * initialisation. Every 5% of the steps the full training state (weights, Adam moments, curve)
 * is written to the store's checkpoint folder; a rerun after a crash resumes from it and ends
 * with the same weights as an uninterrupted run. Input {@code data}.
 */
public final class ResNetPretrainStage extends Stage<ResNetPretrainStage.Params> {

    private static final String STAGE_NAME = "resnet-pretrain";

    /**
     * @param model channels, activation and weight kind
     * @param optimizer sgd or adam
     * @param lr learning rate
     * @param steps training steps
     * @param batch images per step
     * @param initSeed seed of the initial weights
     * @param seed seed of the batches
     */
    public record Params(ResNetSpec model, String optimizer, double lr, int steps, int batch, long initSeed, long seed) {
    }

    /** The trained weights. */
    public static final Output WEIGHTS = new Output("weights.arrow", Tables.TENSORS);

    /** Loss and accuracy on each step's batch. */
    public static final Output CURVE = new Output("curve.arrow", Tables.RESNET_PRETRAIN_CURVE);

    public ResNetPretrainStage() {
        super(STAGE_NAME, 2, Params.class, WEIGHTS, CURVE);
    }

    @Override
    public String compute(StageContext<Params> c) throws Exception {
        Params p = c.params();
        ResNet net = new ResNet(p.model());
        ImageSet data = ImageDataStage.read(c, c.input("data"));
        ResNetTrainer trainer = new ResNetTrainer(p.optimizer(), p.lr(), p.steps(), p.batch());
        ParamSet init = net.init(p.initSeed());
        Path checkpoint = c.checkpoint();
        ResNetTrainer.State start = resume(checkpoint, init);
        String what = "channels=" + net.spec().channels() + " binary_weights=" + net.spec().binaryWeights();
        if (start.step() > 0) {
            Progress.note(STAGE_NAME, what + " resuming from the checkpoint at step " + start.step() + "/" + trainer.steps());
            c.info("resumed_from_step", start.step());
        }
        int every = Math.max(1, trainer.steps() / 20);
        ResNetTrainer.State end = trainer.train(net, start, data, p.seed(), every,
                s -> {
                    save(checkpoint, s);
                    Progress.note(STAGE_NAME, String.format(Locale.ROOT, "%s step %d/%d loss=%.4f", what, s.step(), trainer.steps(),
                            s.loss()[s.step() - 1]));
                }, step -> { });
        c.write(WEIGHTS, end.weights());
        ColumnTable curve = Tables.RESNET_PRETRAIN_CURVE.empty();
        for (int i = 0; i < end.loss().length; i++) {
            curve.add((long) i, (double) end.loss()[i], (double) end.accuracy()[i]);
        }
        c.write(CURVE, curve);
        Files.deleteIfExists(checkpoint);
        float last = end.loss().length == 0 ? Float.NaN : end.loss()[end.loss().length - 1];
        c.info("final_loss", last);
        return String.format(Locale.ROOT, "%s steps=%d loss=%.4f", what, trainer.steps(), last);
    }

    /** The training state saved in {@code file}, or the start from {@code init} when there is none (or it is unreadable). */
    static ResNetTrainer.State resume(Path file, ParamSet init) {
        if (!Files.isRegularFile(file)) {
            return ResNetTrainer.State.start(init);
        }
        try {
            ParamSet all = Schemas.toParamSet(ArrowFiles.read(file));
            int n = init.count();
            if (all.count() != 3 * n + 3) {
                throw new CorruptArtifactException("checkpoint " + file + " has " + all.count() + " tensors");
            }
            List<HostTensor> ts = all.tensors();
            ParamSet w = new ParamSet(ts.subList(0, n));
            if (!sameShapes(w, init)) {
                throw new CorruptArtifactException("checkpoint " + file + " is for another model");
            }
            return new ResNetTrainer.State((int) ts.get(3 * n + 2).data()[0], rename(w, init), rename(new ParamSet(ts.subList(n, 2 * n)), init),
                    rename(new ParamSet(ts.subList(2 * n, 3 * n)), init), ts.get(3 * n).data(), ts.get(3 * n + 1).data());
        } catch (IOException | RuntimeException e) {
            Progress.note(STAGE_NAME, "ignoring an unreadable checkpoint (" + e.getMessage() + "); starting over");
            return ResNetTrainer.State.start(init);
        }
    }

    private static boolean sameShapes(ParamSet a, ParamSet b) {
        for (int t = 0; t < b.count(); t++) {
            if (!java.util.Arrays.equals(a.get(t).shape(), b.get(t).shape())) {
                return false;
            }
        }
        return true;
    }

    private static ParamSet rename(ParamSet p, ParamSet like) {
        return like.map(t -> p.get(t).data());
    }

    /** Writes {@code s} to {@code file} atomically (a temporary file renamed over it). */
    static void save(Path file, ResNetTrainer.State s) {
        List<HostTensor> ts = new ArrayList<>();
        for (String prefix : new String[] {"w:", "m:", "v:"}) {
            ParamSet p = prefix.equals("w:") ? s.weights() : prefix.equals("m:") ? s.m() : s.v();
            p.tensors().forEach(t -> ts.add(new HostTensor(prefix + t.name(), t.shape(), t.data())));
        }
        ts.add(new HostTensor("loss", new long[] {s.loss().length}, s.loss()));
        ts.add(new HostTensor("accuracy", new long[] {s.accuracy().length}, s.accuracy()));
        ts.add(new HostTensor("step", new long[] {1}, new float[] {s.step()}));
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + "." + UUID.randomUUID() + ".tmp");
            ArrowFiles.write(tmp, Schemas.toTable(new ParamSet(ts)));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Progress.note(STAGE_NAME, "could not write the checkpoint " + file + ": " + e.getMessage());
        }
    }
}
