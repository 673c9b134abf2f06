package bitgrad.models.objectives;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import bitgrad.models.Nd;

/**
 * The shared first layer of {@link TeacherStudentObjective#lossAlong} on one slice: {@code x w0^T} and, for the
 * directions a group needs, {@code x v0^T} (computed for up to {@link TeacherStudentObjective#WIDE_FLOATS} floats of
 * directions at once, one wide matmul, and kept while later groups use them).
 */
final class FirstLayer implements AutoCloseable {
    private final NDArray x;
    private final NDArray directions;
    private final NDArray base;
    private final long rows;
    private final long units;
    private final int end; // directions at and after this one are another thread's
    private NDArray products; // (rows, span * units): x v_d^T side by side for directions lo..
    private int lo = -1;
    private int span;
    private NDArray scaled; // c x v_d^T of the last single copy, direction scaledDirection
    private int scaledDirection = -1;
    private float scaledCoefficient;

    FirstLayer(NDArray x, NDArray w0, NDArray directions, int end) {
        this.x = x;
        this.directions = directions;
        this.end = end;
        this.rows = x.getShape().get(0);
        this.units = w0.getShape().get(0);
        this.base = x.matMul(w0.transpose());
    }

    /** Pre-activations of group g's copies: {@code (rows, units)} for one copy, else {@code (C, rows, units)}. */
    NDArray preActivation(Objective.AlongCopies copies, int g) {
        int c = copies.count(g);
        int from = copies.direction(copies.first(g));
        int to = copies.direction(copies.first(g) + c - 1);
        ensure(from, to);
        if (c == 1) {
            // an antithetic pair (c, -c) along one direction shares c x v^T
            float coefficient = copies.coefficient(copies.first(g));
            if (scaled != null && scaledDirection == from && scaledCoefficient == -coefficient) {
                return base.sub(scaled);
            }
            long at = (from - lo) * units;
            NDArray product = span == 1 ? products : products.get(":, " + at + ":" + (at + units));
            int next = copies.first(g) + 1;
            if (next == copies.size() || copies.direction(next) != from || copies.coefficient(next) != -coefficient) {
                return Nd.mul(product, coefficient).addi(base);
            }
            closeScaled();
            scaled = Nd.mul(product, coefficient);
            NDScope.unregister(scaled);
            scaledDirection = from;
            scaledCoefficient = coefficient;
            return base.add(scaled);
        }
        // (C, span') @ (span', rows * units): each copy's multiple of its direction's product
        int n = to - from + 1;
        long at = (from - lo) * units;
        NDArray part = products.get(":, " + at + ":" + (at + n * units)).reshape(rows, n, units).transpose(1, 0, 2).reshape(n, rows * units);
        return copies.matrix(x.getManager(), g).matMul(part).reshape(c, rows, units).addi(base);
    }

    private void ensure(int from, int to) {
        if (lo >= 0 && from >= lo && to < lo + span) {
            return;
        }
        close();
        int total = Math.min(end, Math.toIntExact(directions.getShape().get(0)));
        int wide = (int) Math.max(1, TeacherStudentObjective.WIDE_FLOATS / (rows * units));
        lo = from;
        span = Math.min(total - from, Math.max(to - from + 1, wide));
        NDArray v = directions.get(from + ":" + (from + span)).reshape(span * units, -1);
        products = x.matMul(v.transpose());
        NDScope.unregister(products);
    }

    private void closeScaled() {
        if (scaled != null) {
            scaled.close();
            scaled = null;
        }
    }

    @Override
    public void close() {
        closeScaled();
        if (products != null) {
            products.close();
            products = null;
        }
    }
}

