package dev.spool.runtime.internal.cpu;

import dev.spool.program.internal.Instr;
/**
 * What a generated kernel's code depends on, as a string: its expression (without operand shapes,
 * which the code does not depend on), the rank of its collapsed iteration space, how each operand
 * walks the innermost axis (broadcast, contiguous, strided), the vector width the innermost
 * length allows in F32 and in F64, and the JVM's widest F32 vector. An artifact ships its kernels
 * under these keys, and the runtime computes the key of each kernel instruction of a program bound
 * to new sizes to find its class, without generating any source.
 *
 * <pre>{@code String key = KernelKey.of(kernelInstr, KernelLayout.of(shape, operands), 8);}</pre>
 */
public final class KernelKey {
    private KernelKey() {
    }

    public static String of(Instr.Kernel k, KernelLayout layout, int maxFloatLanes) {
        return layoutPart(layout, maxFloatLanes) + " expr " + k.expression().text().replaceAll("\\[[0-9,]*]", "");
    }

    /** The part of the key that the iteration space decides (everything but the expression). */
    public static String layoutPart(KernelLayout layout, int maxFloatLanes) {
        StringBuilder sb = new StringBuilder();
        sb.append("rank=").append(layout.rank()).append(" inner=");
        for (int o = 0; o < layout.strides().length; o++) {
            int s = layout.innerStride(o);
            sb.append(s == 0 ? 'b' : s == 1 ? 'c' : 's');
        }
        sb.append(" lanes=").append(maxFloatLanes).append('/').append(KernelLayout.lanes(layout.inner(), maxFloatLanes))
                .append('/').append(KernelLayout.lanes(layout.inner(), maxFloatLanes / 2));
        return sb.toString();
    }
}
