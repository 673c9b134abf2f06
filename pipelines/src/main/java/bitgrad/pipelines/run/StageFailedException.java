package bitgrad.pipelines.run;

/** A stage's computation failed (a task threw, or its artifact did not verify afterwards). */
public final class StageFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StageFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
