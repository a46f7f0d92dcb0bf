package dev.spool.backend.cuda;

import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * The argument block every generated kernel of a plan is launched with, matching
 * {@link CudaCodegen#ARGS}: {@code cuLaunchKernel} takes one pointer per argument, pointing at the
 * argument's value, so the block holds a pointer to the arena address (a 64-bit value) and one to
 * each loop index (32-bit). The driver copies the values at launch, so one block serves every
 * kernel and a loop only rewrites its index between steps.
 *
 * <pre>{@code
 * KernelArguments args = new KernelArguments(arena.address());
 * args.setLoop(0, t);   // before launching step t's kernels
 * }</pre>
 */
final class KernelArguments {
    private final PointerPointer<Pointer> pointers = new PointerPointer<>(1 + CudaCodegen.MAX_LOOP_DEPTH);
    private final LongPointer arena = new LongPointer(1);
    private final IntPointer[] loop = new IntPointer[CudaCodegen.MAX_LOOP_DEPTH];

    KernelArguments(long arenaAddress) {
        arena.put(0, arenaAddress);
        pointers.put(0, arena);
        for (int l = 0; l < loop.length; l++) {
            loop[l] = new IntPointer(1).put(0, 0);
            pointers.put(1 + l, loop[l]);
        }
    }

    void setLoop(int level, int t) {
        loop[level].put(0, t);
    }

    PointerPointer<Pointer> pointers() {
        return pointers;
    }
}
