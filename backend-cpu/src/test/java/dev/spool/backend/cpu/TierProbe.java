package dev.spool.backend.cpu;

import dev.spool.backend.cpu.RecurrentGraphs.Cell;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.runtime.internal.cpu.VectorRows;
import dev.spool.runtime.internal.cpu.VectorSupport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * The program {@link JitTierIndependenceTest} runs in JVMs of different JIT tiers: an LSTM and a GRU
 * training graph (tanh, sigmoid, GEMMs, backward scans) and VectorRows' softmax and cross-entropy
 * gradient (exp, log, lane reductions), run {@code rounds} times; prints one line {@code hash <hex>} on standard error
 * per round, a hash of every result bit.
 */
final class TierProbe {
    private TierProbe() {
    }

    public static void main(String[] args) {
        int rounds = Integer.parseInt(args[0]);
        Map<Cell, CpuProgram> programs = new TreeMap<>();
        Map<Cell, Map<String, Tensor>> feeds = new TreeMap<>();
        for (Cell cell : new Cell[] {Cell.LSTM, Cell.GRU}) {
            programs.put(cell, CpuBackend.compile(RecurrentGraphs.graph(cell, DType.F32, 5, 16, true)));
            feeds.put(cell, RecurrentGraphs.feeds(cell, DType.F32, 12, 3, 5, 16, 11));
        }
        int rows = 37;
        int n = 28;
        SplittableRandom rnd = new SplittableRandom(3);
        float[] logits = new float[rows * n];
        int[] target = new int[rows];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (rnd.nextGaussian() * 4);
        }
        for (int r = 0; r < rows; r++) {
            target[r] = rnd.nextInt(n);
        }
        for (int round = 0; round < rounds; round++) {
            long hash = 17;
            for (Cell cell : programs.keySet()) {
                Map<String, Tensor> out = new TreeMap<>(programs.get(cell).run(feeds.get(cell)));
                for (Tensor t : out.values()) {
                    for (int i = 0; i < t.size(); i++) {
                        hash = hash * 31 + Double.doubleToRawLongBits(t.getDouble(i));
                    }
                }
            }
            if (VectorSupport.floatLanes() > 0) {
                // Regions of rows * n floats: logits, their cross-entropy gradient, softmax, log-softmax.
                int region = 4 * rows * n;
                ByteBuffer m = ByteBuffer.allocate(4 * region).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < logits.length; i++) {
                    m.putFloat(4 * i, logits[i]);
                }
                double loss = VectorRows.crossEntropyGrad(m, 0, region, rows, n, target, 1f / rows, true, new float[rows]);
                VectorRows.softmax(m, 0, 4 * n, 2 * region, 4 * n, rows, n, false);
                VectorRows.softmax(m, 0, 4 * n, 3 * region, 4 * n, rows, n, true);
                hash = hash * 31 + Double.doubleToRawLongBits(loss);
                for (int i = rows * n; i < 4 * rows * n; i++) {
                    hash = hash * 31 + Float.floatToRawIntBits(m.getFloat(4 * i));
                }
            }
            // On standard error: with -XX:+PrintCompilation the compiler threads write to standard output
            // unsynchronised with System.out, and a hash line could be cut by one of theirs.
            System.err.println("hash " + Long.toHexString(hash));
        }
    }
}
