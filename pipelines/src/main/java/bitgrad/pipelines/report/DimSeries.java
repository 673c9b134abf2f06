package bitgrad.pipelines.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Per (raw|pretrained) and dim, the values of one measure. */
final class DimSeries {
    final Map<Boolean, Map<Long, List<Double>>> v = new TreeMap<>();

    void add(boolean pretrained, long dim, double x) {
        if (!Double.isNaN(x)) {
            v.computeIfAbsent(pretrained, k -> new TreeMap<>()).computeIfAbsent(dim, k -> new ArrayList<>()).add(x);
        }
    }

    List<Double> all(boolean pretrained) {
        List<Double> out = new ArrayList<>();
        v.getOrDefault(pretrained, Map.of()).values().forEach(out::addAll);
        return out;
    }

    boolean isEmpty() {
        return v.isEmpty();
    }
}
