package bitgrad.transforms;

import bitgrad.schemas.ArrowFiles;
import bitgrad.schemas.ArtifactStore;
import bitgrad.schemas.ColumnTable;
import bitgrad.schemas.ParamSet;
import bitgrad.schemas.Schemas;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one task of a stage sees: its typed parameters, its inputs (read from the store), the
 * place its declared outputs go, and a map of facts kept in the artifact's manifest.
 *
 * @param <P> the stage's parameter record
 */
public final class StageContext<P extends Record> {

    private final Task task;
    private final P params;
    private final ArtifactStore store;
    private final ArtifactStore.Pending out;
    private final Map<String, Object> info;

    StageContext(Task task, P params, ArtifactStore store, ArtifactStore.Pending out, Map<String, Object> info) {
        this.task = task;
        this.params = params;
        this.store = store;
        this.out = out;
        this.info = info;
    }

    /** The task's parameters. */
    public P params() {
        return params;
    }

    /** The single input named {@code name}. */
    public TaskRef input(String name) {
        return task.input(name);
    }

    /** Every input named {@code name}, in plan order. */
    public List<TaskRef> inputs(String name) {
        return task.inputList(name);
    }

    /** The parameters of the task that made input {@code ref}, as {@code stage}'s record: inputs describe themselves. */
    public <Q extends Record> Q paramsOf(TaskRef ref, Stage<Q> stage) {
        if (!ref.stage().equals(stage.name())) {
            throw new IllegalArgumentException("input " + ref + " is not a " + stage.name() + " artifact");
        }
        JsonNode t = Task.JSON.valueToTree(store.manifest(ref.stage(), ref.key()).info().get("task"));
        return StageParams.read(t.path("params"), stage.params());
    }

    /** The parameters of the task that made input {@code ref}, as JSON (for readers that take many stages' inputs). */
    public JsonNode paramsJson(TaskRef ref) {
        return Task.JSON.valueToTree(store.manifest(ref.stage(), ref.key()).info().get("task")).path("params");
    }

    /** Every fact recorded with the input artifact {@code ref} (its manifest's info). */
    public Map<String, Object> infoOf(TaskRef ref) {
        return store.manifest(ref.stage(), ref.key()).info();
    }

    /** An input's table by file name (for readers that take many stages' inputs). */
    public ColumnTable read(TaskRef ref, String file) throws IOException {
        return ArrowFiles.read(store.file(ref.stage(), ref.key(), file));
    }

    /** Where this task writes its file {@code name}, which must match one of the stage's declared outputs. */
    public Path output(String name) {
        return out.file(name);
    }

    /** A fact recorded with the input artifact {@code ref} (its manifest's info), or null. */
    public Object infoOf(TaskRef ref, String name) {
        return store.manifest(ref.stage(), ref.key()).info().get(name);
    }

    /** Path of an input's declared file. */
    public Path path(TaskRef ref, Stage.Output file) {
        return store.file(ref.stage(), ref.key(), file.file());
    }

    /** An input's table. */
    public ColumnTable read(TaskRef ref, Stage.Output file) throws IOException {
        return ArrowFiles.read(path(ref, file));
    }

    /** An input's tensors. */
    public ParamSet readParams(TaskRef ref, Stage.Output file) throws IOException {
        return Schemas.toParamSet(read(ref, file));
    }

    /** Where this task writes its declared file {@code file} (for streamed writers). */
    public Path output(Stage.Output file) {
        return output(file.file());
    }

    /** Writes a whole declared file. */
    public void write(Stage.Output file, ColumnTable table) throws IOException {
        if (!file.schema().matches(table)) {
            throw new IllegalArgumentException(file.file() + " must hold " + file.schema() + ", got " + table.kind() + table.columns());
        }
        ArrowFiles.write(output(file), table);
    }

    /** Writes a parameter set as a declared tensors file. */
    public void write(Stage.Output file, ParamSet tensors) throws IOException {
        write(file, Schemas.toTable(tensors));
    }

    /** Records a fact in the artifact's manifest (e.g. timings, a final loss). */
    public void info(String name, Object value) {
        info.put(name, value);
    }

    /** Where a long task keeps its resumable checkpoint (outside the cache). */
    public Path checkpoint() {
        return store.checkpoint(task.stage(), task.key());
    }
}
