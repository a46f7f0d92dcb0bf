package dev.spool.runtime.internal.cpu;

import dev.spool.graph.DType;

import java.nio.ByteBuffer;

/** Steps that move data: copies between views, fills, iota, row gathers and scatters, one-hot rows. */
final class DataExecs {
    private DataExecs() {
    }

    /**
     * Copies a view into another of the same shape; contiguous rows go as one memory copy each. One
     * row broadcast into contiguous rows (a bias laid out as the initial C of a GEMM with beta 1:
     * 32,768 rows of 28 floats for the d2l RNN's logits) is copied once and then doubled, copying
     * what is written so far after itself, in about log2(rows) large copies instead of one short
     * copy per row (0.55–0.9 ms a step for those logits).
     */
    static final class Copy implements Exec, Exec.Rows.Visitor {
        private final ByteBuffer m;
        private final Address src;
        private final Address dst;
        private final Walk walk;
        private final int elementSize;
        private final boolean bulk;
        private final boolean broadcastRows;

        Copy(ByteBuffer m, Address src, Address dst, Walk walk, int elementSize) {
            this.m = m;
            this.src = src;
            this.dst = dst;
            this.walk = walk;
            this.elementSize = elementSize;
            this.bulk = walk.innerStride(0) == elementSize && walk.innerStride(1) == elementSize;
            this.broadcastRows = bulk && walk.sizes.length == 2 && walk.byteStrides[0][0] == 0
                    && walk.byteStrides[1][0] == walk.inner() * elementSize;
        }

        public void run(int[] loop) {
            walk.at[0] = src.at(loop);
            walk.at[1] = dst.at(loop);
            if (broadcastRows) {
                int row = walk.inner() * elementSize;
                long total = (long) walk.sizes[0] * row;
                if (total == 0) {
                    return;
                }
                int to = walk.at[1];
                m.put(to, m, walk.at[0], row);
                for (long done = row; done < total; done *= 2) {
                    m.put(to + (int) done, m, to, (int) Math.min(done, total - done));
                }
                return;
            }
            walk.run(this);
        }

        public void row(int[] at) {
            int inner = walk.inner();
            if (bulk) {
                m.put(at[1], m, at[0], inner * elementSize);
                return;
            }
            int ss = walk.innerStride(0);
            int ds = walk.innerStride(1);
            for (int j = 0; j < inner; j++) {
                Elements.copy(m, elementSize, at[0] + j * ss, at[1] + j * ds);
            }
        }
    }

    /** Writes one value into every element of a view. */
    static final class Fill implements Exec, Exec.Rows.Visitor {
        private final ByteBuffer m;
        private final Address out;
        private final Walk walk;
        private final DType dtype;
        private final double value;

        Fill(ByteBuffer m, Address out, Walk walk, DType dtype, double value) {
            this.m = m;
            this.out = out;
            this.walk = walk;
            this.dtype = dtype;
            this.value = value;
        }

        public void run(int[] loop) {
            walk.at[0] = out.at(loop);
            walk.run(this);
        }

        public void row(int[] at) {
            int inner = walk.inner();
            int s = walk.innerStride(0);
            if (dtype == DType.F32 && s == 4 && VectorSupport.floatLanes() > 0) {
                VectorRows.fill(m, at[0], inner, (float) value);
            } else if (dtype == DType.F32) {
                float v = (float) value;
                for (int j = 0; j < inner; j++) {
                    m.putFloat(at[0] + j * s, v);
                }
            } else {
                for (int j = 0; j < inner; j++) {
                    Elements.put(m, dtype, at[0] + j * s, value);
                }
            }
        }
    }

    /** out[i...] = i[axis] over the full (uncollapsed) shape. */
    static final class Iota implements Exec {
        private final ByteBuffer m;
        private final Address out;
        private final int[] shape;
        private final int[] byteStrides;
        private final int axis;
        private final DType dtype;
        private final int[] pos;

        Iota(ByteBuffer m, Address out, int[] shape, int[] byteStrides, int axis, DType dtype) {
            this.m = m;
            this.out = out;
            this.shape = shape;
            this.byteStrides = byteStrides;
            this.axis = axis;
            this.dtype = dtype;
            this.pos = new int[shape.length];
        }

        public void run(int[] loop) {
            int n = 1;
            for (int s : shape) {
                n *= s;
            }
            java.util.Arrays.fill(pos, 0);
            int base = out.at(loop);
            for (int i = 0; i < n; i++) {
                int at = base;
                for (int a = 0; a < shape.length; a++) {
                    at += pos[a] * byteStrides[a];
                }
                Elements.putLong(m, dtype, at, pos[axis]);
                for (int a = shape.length - 1; a >= 0; a--) {
                    if (++pos[a] < shape[a]) {
                        break;
                    }
                    pos[a] = 0;
                }
            }
        }
    }

    /** out[i, :] = table[indices[i], :] (table and out rows contiguous); 256 KB or more in two halves of the rows, one on {@link SecondCore}. */
    static final class Gather implements Exec {
        /** Gathers of fewer bytes run on one thread (a hand-over costs about a microsecond). */
        static final long SPLIT_BYTES = 256 * 1024;
        private final ByteBuffer m;
        private final Address table;
        private final int rows;
        private final int rowBytes;
        private final Address indices;
        private final DType indexType;
        private final int count;
        private final Address out;

        /** This run's addresses, for the halves (set before they are handed over). */
        private int tableAt;
        private int indicesAt;
        private int outAt;
        private final Runnable firstHalf;
        private final Runnable secondHalf;

        Gather(ByteBuffer m, Address table, int rows, int rowBytes, Address indices, DType indexType, int count, Address out) {
            this.m = m;
            this.table = table;
            this.rows = rows;
            this.rowBytes = rowBytes;
            this.indices = indices;
            this.indexType = indexType;
            this.count = count;
            this.out = out;
            this.firstHalf = () -> copyRows(tableAt, indicesAt, outAt, 0, count / 2);
            this.secondHalf = () -> copyRows(tableAt, indicesAt, outAt, count / 2, count);
        }

        public void run(int[] loop) {
            int t = table.at(loop);
            int ix = indices.at(loop);
            int o = out.at(loop);
            long bytes = (long) count * rowBytes;
            boolean apart = o + bytes <= t || (long) t + (long) rows * rowBytes <= o;
            if (bytes >= SPLIT_BYTES && count >= 2 && apart) {
                // Memory-bound: the LSTM H256's 1,120 rows of 4 KB took 0.37 ms on one core.
                tableAt = t;
                indicesAt = ix;
                outAt = o;
                SecondCore.run(firstHalf, secondHalf);
            } else {
                copyRows(t, ix, o, 0, count);
            }
        }

        /** Output rows {@code from..to}: table row {@code indices[i]} into out row i. */
        private void copyRows(int t, int ix, int o, int from, int to) {
            int is = indexType.byteSize();
            for (int i = from; i < to; i++) {
                long r = Elements.getLong(m, indexType, ix + i * is);
                if (r < 0 || r >= rows) {
                    throw new IndexOutOfBoundsException("gather: index " + r + " is outside [0, " + rows + ")");
                }
                m.put(o + i * rowBytes, m, t + (int) r * rowBytes, rowBytes);
            }
        }
    }

    /** out = 0, then out[indices[i], :] += updates[i, :] (rows contiguous). */
    static final class ScatterAdd implements Exec {
        private final ByteBuffer m;
        private final Address indices;
        private final DType indexType;
        private final int count;
        private final Address updates;
        private final Address out;
        private final int rows;
        private final int width;
        private final DType dtype;

        ScatterAdd(ByteBuffer m, Address indices, DType indexType, int count, Address updates, Address out, int rows, int width, DType dtype) {
            this.m = m;
            this.indices = indices;
            this.indexType = indexType;
            this.count = count;
            this.updates = updates;
            this.out = out;
            this.rows = rows;
            this.width = width;
            this.dtype = dtype;
        }

        public void run(int[] loop) {
            int ix = indices.at(loop);
            int u = updates.at(loop);
            int o = out.at(loop);
            int es = dtype.byteSize();
            boolean vector = dtype == DType.F32 && VectorSupport.floatLanes() > 0;
            if (vector) {
                VectorRows.fill(m, o, rows * width, 0);
            } else {
                for (int i = 0; i < rows * width; i++) {
                    Elements.put(m, dtype, o + i * es, 0);
                }
            }
            int is = indexType.byteSize();
            for (int i = 0; i < count; i++) {
                long r = Elements.getLong(m, indexType, ix + i * is);
                if (r < 0 || r >= rows) {
                    throw new IndexOutOfBoundsException("scatter_add: index " + r + " is outside [0, " + rows + ")");
                }
                int dst = o + (int) r * width * es;
                int src = u + i * width * es;
                if (vector) {
                    VectorRows.addRow(m, src, dst, width);
                } else if (dtype == DType.F32) {
                    for (int j = 0; j < width; j++) {
                        m.putFloat(dst + 4 * j, m.getFloat(dst + 4 * j) + m.getFloat(src + 4 * j));
                    }
                } else {
                    for (int j = 0; j < width; j++) {
                        Elements.put(m, dtype, dst + j * es, Elements.get(m, dtype, dst + j * es) + Elements.get(m, dtype, src + j * es));
                    }
                }
            }
        }
    }

    /** out (n, depth) = rows with a 1 at each in-range index, zeros elsewhere. */
    static final class OneHot implements Exec {
        private final ByteBuffer m;
        private final Address indices;
        private final DType indexType;
        private final int count;
        private final Address out;
        private final int depth;
        private final DType dtype;

        OneHot(ByteBuffer m, Address indices, DType indexType, int count, Address out, int depth, DType dtype) {
            this.m = m;
            this.indices = indices;
            this.indexType = indexType;
            this.count = count;
            this.out = out;
            this.depth = depth;
            this.dtype = dtype;
        }

        public void run(int[] loop) {
            int ix = indices.at(loop);
            int o = out.at(loop);
            int es = dtype.byteSize();
            if (dtype == DType.F32 && VectorSupport.floatLanes() > 0) {
                VectorRows.fill(m, o, count * depth, 0);
            } else {
                for (int i = 0; i < count * depth; i++) {
                    Elements.put(m, dtype, o + i * es, 0);
                }
            }
            for (int i = 0; i < count; i++) {
                long r = Elements.getLong(m, indexType, ix + i * indexType.byteSize());
                if (r >= 0 && r < depth) {
                    Elements.put(m, dtype, o + (i * depth + (int) r) * es, 1);
                }
            }
        }
    }
}
