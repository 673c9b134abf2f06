package bitgrad.pipelines.config;

/** A bad experiment (unknown preset, malformed YAML, unknown key, wrong type or value): a usage error. */
public final class ConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
