package bitgrad.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostTensorTest {

    @Test
    void shapeMustMatchTheData() {
        assertThrows(IllegalArgumentException.class, () -> new HostTensor("w", new long[] {2, 3}, new float[5]));
        assertThrows(IllegalArgumentException.class, () -> new HostTensor("w", new long[] {-1, 3}, new float[3]));
        assertEquals(6, new HostTensor("w", new long[] {2, 3}, new float[6]).size());
    }

    @Test
    void shapeIsDefensivelyCopied() {
        long[] shape = {2, 2};
        HostTensor t = new HostTensor("w", shape, new float[4]);
        shape[0] = 7;
        t.shape()[1] = 9;
        assertArrayEquals(new long[] {2, 2}, t.shape());
    }

    @Test
    void paramSetFlattensInOrderAndComparesByContent() {
        ParamSet p = new ParamSet(List.of(new HostTensor("a", new long[] {2}, new float[] {1, 2}),
                new HostTensor("b", new long[] {1}, new float[] {3})));
        assertArrayEquals(new float[] {1, 2, 3}, p.flatten());
        assertEquals(3, p.numel());
        assertTrue(p.contentEquals(p.map(i -> p.get(i).data().clone())));
        assertFalse(p.contentEquals(p.zerosLike()));
        assertEquals(p, p.map(i -> p.get(i).data().clone()));
    }
}
