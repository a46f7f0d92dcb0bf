package dev.spool.benchmarks;

import dev.spool.runtime.internal.cpu.VectorRows;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The fused softmax-cross-entropy gradient ({@code VectorRows.crossEntropyGrad}, what a language
 * model's loss lowers to) on its own: rows of logits in, {@code (softmax - one_hot) * scale} and the
 * summed loss out.
 *
 * <p>Why: in the d2l char-level workload ({@code rnn_h32_b1024_t32}: 32,768 rows of 28 classes per
 * training step) this kernel was the largest single item of the step's profile, larger than the
 * GEMMs; its cost per row is dominated by the exponentials, so how the JIT compiles them decides
 * it. Score: rows per second ({@code ops/s} × rows).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class CrossEntropyGradBenchmark {
    /** Classes per row: 28 (the Time Machine's character vocabulary), 64, 1000. */
    @Param({"28", "64", "1000"})
    public int classes;

    /** Rows per call: one time step of the d2l batch. */
    @Param({"1024"})
    public int rows;

    private ByteBuffer memory;
    private int[] target;
    private float[] sums;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        memory = ByteBuffer.allocateDirect(2 * 4 * rows * classes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * classes; i++) {
            memory.putFloat(4 * i, (float) (3 * random.nextGaussian()));
        }
        target = new int[rows];
        for (int r = 0; r < rows; r++) {
            target[r] = random.nextInt(classes);
        }
        sums = new float[rows];
    }

    @Benchmark
    public double gradientAndLoss() {
        return VectorRows.crossEntropyGrad(memory, 0, 4 * rows * classes, rows, classes, target, 1f / rows, true, sums);
    }
}
