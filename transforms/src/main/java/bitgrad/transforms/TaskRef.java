package bitgrad.transforms;

import java.io.Serializable;

/**
 * Names one cached artifact: the stage that made it and its cache key.
 *
 * @param stage stage name, e.g. {@code estimate}
 * @param key content key (hex)
 */
public record TaskRef(String stage, String key) implements Serializable {
}
