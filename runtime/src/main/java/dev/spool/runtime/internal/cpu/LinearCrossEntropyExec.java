package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Runs {@code linear_xent_grad} (F32) block of rows by block ({@link #blockRows}: 1024 rows for the
 * character models' 32 features and 28 classes): the logits {@code h·wᵀ + bias} go into a scratch of
 * this exec's own, the cross-entropy gradient g beside them, and from g the block's rows of
 * {@code dh = g·w}, its share of {@code dw = gᵀ·h} and of the bias gradient's column sums (a GEMM
 * by a row of ones), while the block is in L2; the GEMMs are OpenBLAS's. With at least two blocks
 * of rows the rows run in two halves, one on {@link SecondCore}, each summing its own dw, column
 * sums and loss, added after both in a fixed order. The cut and the blocks depend only on the shape,
 * so the bits depend neither on whether the helper took part nor on the cores. Measured on the d2l
 * RNN's 32,768 rows: the training step 16–50 % faster than the five instructions it replaces.
 */
final class LinearCrossEntropyExec implements Exec {
    /** Bytes of a block's logits, g, rows of h and rows of dh: within a core's L2 (1 MB on this project's Zen 5). */
    static final int BLOCK_BYTES = 512 * 1024;

    private final ByteBuffer arena;
    private final Address h;
    private final Address w;
    private final Address bias;
    private final Address targets;
    private final DType targetType;
    private final Address scale;
    private final Address loss;
    private final Address dh;
    private final Address dw;
    private final Address db;
    private final int rows;
    private final int classes;
    private final int features;
    private final int ldh;
    private final int ldw;
    private final int lddh;
    private final int lddw;
    /** Rows per block (a power of two, by the shape alone). */
    private final int block;
    private final Half[] halves;
    private final Runnable first;
    private final Runnable second;
    private final boolean vectors = VectorSupport.floatLanes() > 0;
    private int ph;
    private int pw;
    private int pt;
    private int pbias;
    private float k;

    LinearCrossEntropyExec(ByteBuffer arena, Address h, int ldh, Address w, int ldw, Address bias, Address targets, DType targetType, Address scale,
                           Address loss, Address dh, int lddh, Address dw, int lddw, Address db, int rows, int classes, int features) {
        this.arena = arena;
        this.h = h;
        this.w = w;
        this.bias = bias;
        this.targets = targets;
        this.targetType = targetType;
        this.scale = scale;
        this.loss = loss;
        this.dh = dh;
        this.dw = dw;
        this.db = db;
        this.rows = rows;
        this.classes = classes;
        this.features = features;
        this.ldh = ldh;
        this.ldw = ldw;
        this.lddh = lddh;
        this.lddw = lddw;
        this.block = blockRows(classes, features);
        // Half the rows each (the first half may end in a partial block); by the shape alone.
        int cut = rows >= 2 * block ? rows / 2 : rows;
        this.halves = cut < rows ? new Half[] {new Half(0, cut, false), new Half(cut, rows, true)} : new Half[] {new Half(0, rows, false)};
        this.first = halves[0]::run;
        this.second = halves.length > 1 ? halves[1]::run : () -> { };
    }

    public void run(int[] loop) {
        ph = h.at(loop);
        pw = w.at(loop);
        pt = targets.at(loop);
        pbias = bias == null ? 0 : bias.at(loop);
        k = (float) Elements.get(arena, DType.F32, scale.at(loop));
        for (Half half : halves) {
            half.prepare(loop);
        }
        if (halves.length > 1) {
            SecondCore.run(first, second);
        } else {
            first.run();
        }
        Half a = halves[0];
        Half b = halves.length > 1 ? halves[1] : null;
        if (dw != null && rows == 0) {
            // No block ran: the sum over no rows.
            for (int i = 0; i < classes; i++) {
                for (int j = 0; j < features; j++) {
                    arena.putFloat(dw.at(loop) + 4 * (i * lddw + j), 0f);
                }
            }
        }
        if (dw != null && b != null) {
            int at = dw.at(loop);
            for (int i = 0; i < classes; i++) {
                for (int j = 0; j < features; j++) {
                    int p = at + 4 * (i * lddw + j);
                    arena.putFloat(p, arena.getFloat(p) + b.scratch.getFloat(b.partial + 4 * (i * features + j)));
                }
            }
        }
        if (db != null) {
            int at = db.at(loop);
            for (int j = 0; j < classes; j++) {
                arena.putFloat(at + 4 * j, (float) (b == null ? a.columns[j] : a.columns[j] + b.columns[j]));
            }
        }
        if (loss != null) {
            double total = b == null ? a.loss : a.loss + b.loss;
            arena.putFloat(loss.at(loop), (float) (rows == 0 ? Double.NaN : total / rows));
        }
    }

    /** Rows [from, to) in blocks, with the scratch, targets and sums of their own (one thread each). */
    private final class Half {
        final int from;
        final int to;
        /** Whether dw goes to {@link #partial} (added after both halves) rather than into dw. */
        final boolean ownDw;
        final ByteBuffer scratch;
        /** Byte offsets in scratch: the block's logits, g, a row of ones, the column sums, the partial dw, a block of bias rows. */
        final int logits;
        final int grad;
        final int ones;
        final int sums;
        final int partial;
        final int biasRows;
        final int[] target = new int[block];
        final float[] rowSums = new float[block];
        final double[] columns = new double[classes];
        /** The cross-entropy's staging rows, made once: a call per block would otherwise allocate them each time. */
        final VectorRows.Staged staged = vectors ? new VectorRows.Staged(classes, block) : null;
        final Blas.Operands logitsOps;
        final Blas.Operands dhOps;
        final Blas.Operands dwOps;
        final Blas.Operands localOps;
        int pdh;
        int pdw;
        double loss;

        Half(int from, int to, boolean ownDw) {
            this.from = from;
            this.to = to;
            this.ownDw = ownDw;
            int region = align(4L * block * classes);
            this.logits = 0;
            this.grad = region;
            this.ones = 2 * region;
            this.sums = ones + align(4L * block);
            this.partial = sums + align(4L * classes);
            this.biasRows = partial + (ownDw ? align(4L * classes * features) : 0);
            int bytes = biasRows + (bias == null ? 0 : region);
            // Spare room past the last region: a row's last vector may be loaded or stored whole.
            this.scratch = ByteBuffer.allocateDirect(bytes + 64 * 4).order(ByteOrder.nativeOrder());
            for (int i = 0; i < block; i++) {
                scratch.putFloat(ones + 4 * i, 1f);
            }
            this.logitsOps = new Blas.Operands(arena, arena, scratch);
            this.dhOps = new Blas.Operands(scratch, arena, arena);
            this.dwOps = new Blas.Operands(scratch, arena, ownDw ? scratch : arena);
            this.localOps = new Blas.Operands(scratch);
        }

        void prepare(int[] loop) {
            pdh = dh == null ? 0 : dh.at(loop);
            pdw = dw == null ? 0 : dw.at(loop);
        }

        void run() {
            loss = 0;
            java.util.Arrays.fill(columns, 0);
            if (bias != null) {
                // A block of bias rows, by doubling copies, once per run: each block then starts from one bulk copy of it.
                int row = 4 * classes;
                scratch.put(biasRows, arena, pbias, row);
                for (int have = 1; have < block; have *= 2) {
                    int more = Math.min(have, block - have);
                    scratch.put(biasRows + have * row, scratch, biasRows, more * row);
                }
            }
            for (int r0 = from; r0 < to; r0 += block) {
                int n = Math.min(to, r0 + block) - r0;
                block(r0, n, r0 == from);
            }
        }

        private void block(int r0, int n, boolean firstBlock) {
            if (bias != null) {
                scratch.put(logits, scratch, biasRows, 4 * n * classes);
            }
            Blas.sgemm(logitsOps, false, true, n, classes, features, ph + 4 * r0 * ldh, ldh, pw, ldw, bias == null ? 0f : 1f, logits, classes);
            MathExecs.readTargets(arena, targetType, pt + r0 * targetType.byteSize(), classes, target, n, r0);
            if (vectors) {
                loss += VectorRows.crossEntropyGrad(staged, scratch, logits, grad, n, classes, target, k, LinearCrossEntropyExec.this.loss != null, rowSums);
            } else {
                loss = MathExecs.crossEntropyGradRows(scratch, DType.F32, logits, grad, n, classes, target, k, loss);
            }
            if (db != null) {
                Blas.sgemm(localOps, false, false, 1, classes, n, ones, n, grad, classes, 0f, sums, classes);
                for (int j = 0; j < classes; j++) {
                    columns[j] += scratch.getFloat(sums + 4 * j);
                }
            }
            if (dh != null) {
                Blas.sgemm(dhOps, false, false, n, features, classes, grad, classes, pw, ldw, 0f, pdh + 4 * r0 * lddh, lddh);
            }
            if (dw != null) {
                Blas.sgemm(dwOps, true, false, classes, features, n, grad, classes, ph + 4 * r0 * ldh, ldh, firstBlock ? 0f : 1f,
                        ownDw ? partial : pdw, ownDw ? features : lddw);
            }
        }
    }

    /** The largest power of two of rows, 64 to 2048, whose block fits {@link #BLOCK_BYTES}. */
    static int blockRows(int classes, int features) {
        long perRow = 4L * (2L * classes + 2L * features);
        int rows = 64;
        while (rows < 2048 && 2 * rows * perRow <= BLOCK_BYTES) {
            rows *= 2;
        }
        return rows;
    }

    private static int align(long bytes) {
        return (int) ((bytes + 63) & ~63L);
    }
}
