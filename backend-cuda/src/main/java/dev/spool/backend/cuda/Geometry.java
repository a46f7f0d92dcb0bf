package dev.spool.backend.cuda;

/**
 * The launch shape of a generated kernel: {@code grid} blocks of {@code block} threads (one
 * dimension each). Elementwise kernels give each thread one element; reductions give each block
 * one output.
 *
 * <pre>{@code Geometry g = Geometry.elementwise(1000);   // 4 blocks of 256 threads}</pre>
 */
record Geometry(int grid, int block) {
    static final int THREADS = 256;
    /** Threads of a block that reduces one output (a power of two, for the tree reduction). */
    static final int REDUCE_THREADS = 128;

    Geometry {
        if (grid < 1 || block < 1 || block > 1024) {
            throw new IllegalArgumentException("grid " + grid + " x block " + block);
        }
    }

    /** One thread per element of {@code n} (n >= 1). */
    static Geometry elementwise(long n) {
        long blocks = (n + THREADS - 1) / THREADS;
        if (n < 1 || blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot launch " + n + " elements");
        }
        return new Geometry((int) blocks, THREADS);
    }

    /** One block of {@link #REDUCE_THREADS} per output. */
    static Geometry perOutput(long outputs) {
        if (outputs < 1 || outputs > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot launch " + outputs + " reductions");
        }
        return new Geometry((int) outputs, REDUCE_THREADS);
    }

    /** One block that loops over all the rows itself (a whole-tensor mean). */
    static Geometry singleBlock() {
        return new Geometry(1, THREADS);
    }

    /** Threads launched (at least the work asked for). */
    long threads() {
        return (long) grid * block;
    }
}
