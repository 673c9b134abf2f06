package bitgrad.schemas;

import java.io.IOException;

/** An artifact file that cannot be read as what it claims to be (truncated, altered, wrong schema version). */
public final class CorruptArtifactException extends IOException {

    private static final long serialVersionUID = 1L;

    public CorruptArtifactException(String message, Throwable cause) {
        super(message, cause);
    }

    public CorruptArtifactException(String message) {
        super(message);
    }
}
