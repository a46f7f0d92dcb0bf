package dev.spool.backend.cuda;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Launch geometry of the generated kernels and the argument block handed to cuLaunchKernel (host memory only, no device). */
class LaunchTest {

    @Test
    void elementwiseKernelsGetOneThreadPerElementInBlocksOf256() {
        assertEquals(new Geometry(1, 256), Geometry.elementwise(1));
        assertEquals(new Geometry(1, 256), Geometry.elementwise(256));
        assertEquals(new Geometry(2, 256), Geometry.elementwise(257));
        assertEquals(new Geometry(25_000, 256), Geometry.elementwise(6_400_000));
        assertThrows(IllegalArgumentException.class, () -> Geometry.elementwise(0));
        assertThrows(IllegalArgumentException.class, () -> Geometry.elementwise(256L * Integer.MAX_VALUE + 1));
    }

    @Test
    void reductionsGetOneBlockPerOutputAndCrossEntropyOneBlock() {
        assertEquals(new Geometry(4096, Geometry.REDUCE_THREADS), Geometry.perOutput(4096));
        assertEquals(1, Geometry.singleBlock().grid());
        assertEquals(0, Integer.bitCount(Geometry.REDUCE_THREADS) - 1, "the tree reduction needs a power of two");
    }

    @Test
    void theArgumentBlockPointsAtTheArenaAddressAndEachLoopIndex() {
        KernelArguments args = new KernelArguments(0x7f00_1234_5678L);
        args.setLoop(0, 17);
        args.setLoop(2, 3);
        var pointers = args.pointers();
        assertEquals(1 + CudaCodegen.MAX_LOOP_DEPTH, pointers.limit() == 0 ? pointers.capacity() : pointers.limit());
        assertEquals(0x7f00_1234_5678L, new LongPointer(pointers.get(0)).get(0), "argument 0: a pointer to the 64-bit arena address");
        int[] expected = {17, 0, 3, 0};
        for (int l = 0; l < expected.length; l++) {
            Pointer p = pointers.get(1 + l);
            assertEquals(expected[l], new IntPointer(p).get(0), "argument " + (1 + l) + ": a pointer to loop index l" + l);
        }
        args.setLoop(0, 18);
        assertEquals(18, new IntPointer(pointers.get(1)).get(0), "a loop rewrites its index in place between launches");
    }

    @Test
    void theKernelSignatureMatchesTheArgumentBlock() {
        assertEquals("char* __restrict__ m, int l0, int l1, int l2, int l3", CudaCodegen.ARGS);
    }
}
