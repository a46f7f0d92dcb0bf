package dev.spool.backend.cpu.codegen;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.graph.DType;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.graph.Value;
import dev.spool.ops.Builder;
import dev.spool.ops.CompareFn;
import dev.spool.program.internal.Program;
import dev.spool.runtime.internal.cpu.CpuExecutable;
import dev.spool.runtime.internal.cpu.VectorSupport;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The compiler's tiered kernels (the scalar form serving until the vector form is proven faster,
 * see {@link KernelCompiler#kernel}) give the bits of the vector kernels alone, on every run from
 * the first, while the hand-over happens in the background: an LSTM-like gate expression (tanh,
 * sigmoid, exp, a comparison) over rows with a vector loop and a scalar tail.
 */
class TieredKernelCompilerTest {
    @Test
    void tieredKernelsGiveTheBitsOfTheVectorKernelsOnEveryRun() {
        assumeTrue(VectorSupport.floatLanes() > 0, "jdk.incubator.vector not enabled");
        int rows = 6;
        int n = 3 * VectorSupport.floatLanes() + 5;
        var b = new Builder();
        Value x = b.input("x", DType.F32, rows, n);
        Value y = b.input("y", DType.F32, rows, n);
        Value gate = b.add(b.mul(b.sigmoid(x), b.tanh(y)), b.exp(b.neg(b.mul(x, y))));
        Graph g = b.build("h", b.where(b.compare(CompareFn.GT, x, y), b.tanh(gate), gate));
        SplittableRandom rnd = new SplittableRandom(5);
        float[] xs = new float[rows * n];
        float[] ys = new float[rows * n];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (float) (rnd.nextDouble() * 8 - 4);
            ys[i] = (float) (rnd.nextDouble() * 8 - 4);
        }
        Map<String, Tensor> feeds = Map.of("x", Tensor.of(xs, rows, n), "y", Tensor.of(ys, rows, n));
        CpuProgram p = CpuBackend.compile(g);
        Program program = p.program(p.dims(feeds));
        Tensor want = new CpuExecutable(program, null, new KernelCompiler(false)).run(feeds).get("h");
        CpuExecutable tiered = new CpuExecutable(program, null, new KernelCompiler(true));
        long deadline = System.nanoTime() + 2_000_000_000L;
        for (int run = 0; run < 20 || run < 2000 && System.nanoTime() < deadline; run++) {
            Tensor got = tiered.run(feeds).get("h");
            for (int i = 0; i < want.size(); i++) {
                assertEquals(Float.floatToIntBits((float) want.getDouble(i)), Float.floatToIntBits((float) got.getDouble(i)), "run " + run + ", element " + i);
            }
        }
    }
}
