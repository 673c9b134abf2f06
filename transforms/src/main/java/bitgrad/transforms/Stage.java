package bitgrad.transforms;

import bitgrad.schemas.Tables;
import java.util.List;

/**
 * One stage of the DAG: its name, the version of its code (part of every cache key: bump it when
 * the same parameters would give other numbers), its typed parameters, the files it writes with
 * their declared schemas, and the computation of one task. Every stage runs in the same shell
 * ({@link StageTransform} and {@link StageFn}): caching, atomic commit, output checks and
 * progress are done there, once.
 *
 * @param <P> the parameter record of one task
 */
public abstract class Stage<P extends Record> {

    /**
     * One declared output: a file and the schema of the table in it, or (schema null) a file of
     * other bytes such as a figure. A name with {@code *} declares any number of files matching
     * it (e.g. {@code *.png}), none required.
     */
    public record Output(String file, Tables.Schema schema) {

        /** Files of bytes that are not tables (figures, pages), matching {@code glob}. */
        public static Output files(String glob) {
            return new Output(glob, null);
        }

        /** True when this output declares a pattern rather than one file. */
        public boolean pattern() {
            return file.contains("*");
        }

        /** True when a written file named {@code name} is this output. */
        public boolean matches(String name) {
            if (!pattern()) {
                return file.equals(name);
            }
            String[] parts = file.split("\\*", -1);
            if (!name.startsWith(parts[0]) || !name.endsWith(parts[parts.length - 1])) {
                return false;
            }
            int at = parts[0].length();
            for (int i = 1; i < parts.length - 1; i++) {
                int j = name.indexOf(parts[i], at);
                if (j < 0) {
                    return false;
                }
                at = j + parts[i].length();
            }
            return at <= name.length() - parts[parts.length - 1].length();
        }
    }

    private final String name;
    private final int version;
    private final Class<P> params;
    private final List<Output> outputs;

    /**
     * @param name the stage's name, e.g. {@code lr-sweep}
     * @param version code version (part of every key of this stage)
     * @param params the parameter record type
     * @param outputs every file a task writes; a task that writes another or misses one fails
     */
    protected Stage(String name, int version, Class<P> params, Output... outputs) {
        this.name = name;
        this.version = version;
        this.params = params;
        this.outputs = List.of(outputs);
    }

    /** The stage's name. */
    public final String name() {
        return name;
    }

    /** Code version (part of every key of this stage). */
    public final int version() {
        return version;
    }

    /**
     * The algorithms (declared in models/, each with its own version) whose numbers this stage's
     * output depends on beyond its own code: their versions are part of its keys. None by default.
     */
    public List<bitgrad.models.Algorithm> algorithms() {
        return List.of();
    }

    /**
     * The version that goes into this stage's cache keys: {@link #version()} alone, or with the
     * versions of its {@link #algorithms()} ({@code 8+line-sweep:1+lr-sweep:1}).
     */
    public final String codeVersion() {
        StringBuilder sb = new StringBuilder(Integer.toString(version));
        algorithms().stream().sorted(java.util.Comparator.comparing(bitgrad.models.Algorithm::name)).forEach(a -> sb.append('+').append(a));
        return sb.toString();
    }

    /** The parameter record type. */
    public final Class<P> params() {
        return params;
    }

    /** The declared outputs. */
    public final List<Output> outputs() {
        return outputs;
    }

    /** The files every task must write: the declared outputs that are not patterns. */
    public final List<String> requiredFiles() {
        return outputs.stream().filter(o -> !o.pattern()).map(Output::file).toList();
    }

    /**
     * Tasks that are cheaper computed together: the name of the group a task with {@code params}
     * belongs to (tasks of one group and the same inputs reach {@link #computeGroup} at once), or
     * null, the default, for a task computed on its own. Grouping must not change any output.
     */
    public String group(P params) {
        return null;
    }

    /**
     * Computes the uncached tasks of one {@link #group} at once, each into its own context, and
     * returns their one-line descriptions in order. By default one after another.
     */
    public List<String> computeGroup(List<StageContext<P>> members) throws Exception {
        List<String> labels = new java.util.ArrayList<>();
        for (StageContext<P> c : members) {
            labels.add(compute(c));
        }
        return labels;
    }

    /**
     * Computes one task's files (through {@link StageContext#write}) and returns a one-line human
     * description of what was done.
     */
    public abstract String compute(StageContext<P> c) throws Exception;
}
