package bitgrad.models;

/**
 * The version of one algorithm whose numbers cached results depend on, declared beside its code
 * (e.g. {@code LineSweep.VERSION}): bump it when the same inputs would give other numbers. Every
 * stage that uses the algorithm names it, and its version becomes part of that stage's cache keys,
 * so one bump here invalidates exactly the results computed with the old code.
 *
 * @param name a short stable name, e.g. {@code line-sweep}
 * @param version bumped on every change of output
 */
public record Algorithm(String name, int version) {

    @Override
    public String toString() {
        return name + ":" + version;
    }
}
