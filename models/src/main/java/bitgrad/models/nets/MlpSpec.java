package bitgrad.models.nets;

import bitgrad.models.quant.Quantizer;

/**
 * Shape of the toy MLP (science.md §1): {@code depth} hidden layers {@code Linear(dim, dim)}
 * then {@code Linear(dim, 1)}, all without bias, with {@code activation} after every hidden layer.
 *
 * @param dim input and hidden width
 * @param depth number of hidden layers (0 makes a linear model)
 * @param activation the quantizer between layers
 * @param binaryWeights XNOR-style weights: {@code sign(W) * mean(|W|)} per output row
 * @param teacher the teacher that makes the targets (science.md §1): null for the default
 *        {@code fp-linear}, {@code same} or {@code variance-preserving}
 */
public record MlpSpec(int dim, int depth, Quantizer activation, boolean binaryWeights, String teacher) {

    /** The teachers by name; the first is the default. */
    public static final java.util.List<String> TEACHERS = java.util.List.of("fp-linear", "same", "variance-preserving");

    /** With the default teacher. */
    public MlpSpec(int dim, int depth, Quantizer activation, boolean binaryWeights) {
        this(dim, depth, activation, binaryWeights, null);
    }

    public MlpSpec {
        if (teacher != null && !TEACHERS.contains(teacher)) {
            throw new IllegalArgumentException("model.teacher must be one of " + String.join(", ", TEACHERS) + ", got '" + teacher + "'");
        }
        // the default is left out of the parameters (and so out of every existing cache key)
        teacher = TEACHERS.get(0).equals(teacher) ? null : teacher;
        if (dim < 1) {
            throw new IllegalArgumentException("dim must be >= 1, got " + dim);
        }
        if (depth < 0) {
            throw new IllegalArgumentException("depth must be >= 0, got " + depth);
        }
    }

    /** Number of Linear layers (hidden layers plus the output layer). */
    public int layers() {
        return depth + 1;
    }

    /** Weight shape {@code (out, in)} of layer {@code l}. */
    public long[] weightShape(int l) {
        return l < depth ? new long[] {dim, dim} : new long[] {1, dim};
    }

    /** Total number of weights. */
    public long numel() {
        return (long) depth * dim * dim + dim;
    }

    /** The teacher's name ({@code fp-linear} when left at the default). */
    public String teacherKind() {
        return teacher == null ? TEACHERS.get(0) : teacher;
    }

    /**
     * The teacher's shape: FP weights of the same dims; the identity activation (a linear map)
     * unless {@code same}, which takes the student's activation.
     */
    public MlpSpec teacherSpec() {
        return new MlpSpec(dim, depth, "same".equals(teacher) ? activation : new Quantizer.FullPrecision(), false);
    }

    /**
     * Factor on the teacher's default initialisation U(-1/sqrt(fan_in), 1/sqrt(fan_in)):
     * {@code sqrt(3)} for {@code variance-preserving} (each weight's variance 1/fan_in, so a unit
     * input variance stays 1 through the linear layers), else 1 (output variance about 3^-(depth+1)).
     */
    public double teacherScale() {
        return "variance-preserving".equals(teacher) ? Math.sqrt(3) : 1;
    }

    /** Nominal FLOPs of layers {@code from..} for a batch of {@code batch} rows (2*B*in*out each). */
    public double flopsFrom(int from, long batch) {
        double f = 0;
        for (int l = from; l < layers(); l++) {
            long[] s = weightShape(l);
            f += 2.0 * batch * s[0] * s[1];
        }
        return f;
    }
}
