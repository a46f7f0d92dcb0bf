package dev.spool.backend.cuda;

import org.bytedeco.cuda.cublas.cublasContext;
import org.bytedeco.cuda.cudart.CUfunc_st;
import org.bytedeco.cuda.cudart.CUgraphExec_st;
import org.bytedeco.cuda.cudart.CUgraph_st;
import org.bytedeco.cuda.cudart.CUmod_st;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.bytedeco.cuda.global.cublas;
import org.bytedeco.cuda.global.cudart;
import org.bytedeco.cuda.global.nvrtc;
import org.bytedeco.cuda.nvrtc._nvrtcProgram;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

import java.nio.charset.StandardCharsets;

/**
 * The one place that calls CUDA (through the JavaCPP presets, on the machine's own libraries):
 * device start-up, memory, NVRTC, module loading and kernel launches (driver API), cuBLAS and CUDA
 * graphs. Every status is checked and turned into an exception naming the call. One device (0),
 * one stream and one cuBLAS handle per process; everything runs on that stream.
 *
 * <pre>{@code
 * Cuda cuda = Cuda.device();            // NoCudaDeviceException without a usable device
 * Pointer arena = cuda.malloc(1 << 20);
 * }</pre>
 */
final class Cuda {
    private static Cuda instance;
    private static String failure;
    private static boolean nvrtcLoaded;
    private static String nvrtcProblem;

    private final CUstream_st stream = new CUstream_st();
    private final cublasContext blas = new cublasContext();
    private final int major;
    private final int minor;
    private final String name;
    private final FloatPointer oneF = new FloatPointer(1f);
    private final DoublePointer oneD = new DoublePointer(1.0);

    private Cuda() {
        check(cudart.cudaSetDevice(0), "cudaSetDevice");
        check(cudart.cudaFree(null), "cudaFree (context start-up)");
        int[] v = new int[1];
        check(cudart.cudaDeviceGetAttribute(v, cudart.cudaDevAttrComputeCapabilityMajor, 0), "cudaDeviceGetAttribute");
        major = v[0];
        check(cudart.cudaDeviceGetAttribute(v, cudart.cudaDevAttrComputeCapabilityMinor, 0), "cudaDeviceGetAttribute");
        minor = v[0];
        byte[] n = new byte[256];
        driver(cudart.cuDeviceGetName(n, n.length, 0), "cuDeviceGetName");
        int end = 0;
        while (end < n.length && n[end] != 0) {
            end++;
        }
        name = new String(n, 0, end, StandardCharsets.UTF_8);
        check(cudart.cudaStreamCreateWithFlags(stream, cudart.cudaStreamNonBlocking), "cudaStreamCreateWithFlags");
        blas(cublas.cublasCreate_v2(blas), "cublasCreate");
        blas(cublas.cublasSetStream_v2(blas, stream), "cublasSetStream");
        // A workspace of our own, so cuBLAS allocates nothing while a CUDA graph is being captured.
        long workspace = 32L << 20;
        blas(cublas.cublasSetWorkspace_v2(blas, malloc(workspace), workspace), "cublasSetWorkspace");
    }

    /**
     * The process's device, started on first use.
     *
     * @throws NoCudaDeviceException when the CUDA libraries, the driver or a device are missing
     */
    static synchronized Cuda device() {
        if (instance != null) {
            return instance;
        }
        if (failure != null) {
            throw new NoCudaDeviceException(failure);
        }
        try {
            Loader.load(cudart.class);
            Loader.load(cublas.class);
            try {
                Loader.load(nvrtc.class);
                nvrtcLoaded = true;
            } catch (LinkageError e) {
                nvrtcProblem = firstLine(e);
            }
            int[] count = new int[1];
            int s = cudart.cudaGetDeviceCount(count);
            if (s != 0) {
                failure = "cudaGetDeviceCount: " + cudart.cudaGetErrorString(s).getString() + " (error " + s + ")";
            } else if (count[0] == 0) {
                failure = "the CUDA driver reports no device";
            } else {
                instance = new Cuda();
                return instance;
            }
        } catch (LinkageError e) {
            failure = firstLine(e);
        } catch (CudaException e) {
            failure = e.getMessage();
        }
        throw new NoCudaDeviceException(failure);
    }

    /** The cause of a failed library load, in one line (JavaCPP nests the interesting one). */
    private static String firstLine(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = String.valueOf(t.getMessage());
        int nl = m.indexOf('\n');
        return t.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
    }

    /** A failed CUDA call. */
    static final class CudaException extends RuntimeException {
        CudaException(String message) {
            super(message);
        }
    }

    private static void check(int status, String call) {
        if (status != 0) {
            throw new CudaException(call + " failed: " + cudart.cudaGetErrorString(status).getString() + " (CUDA error " + status + ")");
        }
    }

    private static void driver(int status, String call) {
        if (status != 0) {
            PointerPointer<BytePointer> text = new PointerPointer<>(1);
            String why = cudart.cuGetErrorString(status, text) == 0 && text.get(0) != null ? new BytePointer(text.get(0)).getString() : "";
            throw new CudaException(call + " failed: " + why + " (CUDA driver error " + status + ")");
        }
    }

    private static void blas(int status, String call) {
        if (status != 0) {
            throw new CudaException(call + " failed: " + cublas.cublasGetStatusString(status).getString() + " (cuBLAS status " + status + ")");
        }
    }

    String name() {
        return name;
    }

    /** Compute capability as {@code major * 10 + minor} (90 on H100/H200). */
    int computeCapability() {
        return major * 10 + minor;
    }

    Pointer malloc(long bytes) {
        Pointer p = new Pointer();
        check(cudart.cudaMalloc(p, Math.max(1, bytes)), "cudaMalloc(" + bytes + " bytes)");
        return p;
    }

    void free(Pointer p) {
        check(cudart.cudaFree(p), "cudaFree");
    }

    private static Pointer at(Pointer base, long byteOffset) {
        return new BytePointer(base).position(byteOffset);
    }

    /** Copies {@code bytes} from host memory to the device at {@code device + offset} (ordered on the stream). */
    void upload(Pointer host, Pointer device, long offset, long bytes) {
        check(cudart.cudaMemcpyAsync(at(device, offset), host, bytes, cudart.cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync (to device)");
    }

    void download(Pointer device, long offset, Pointer host, long bytes) {
        check(cudart.cudaMemcpyAsync(host, at(device, offset), bytes, cudart.cudaMemcpyDeviceToHost, stream), "cudaMemcpyAsync (to host)");
    }

    void zero(Pointer device, long offset, long bytes) {
        check(cudart.cudaMemsetAsync(at(device, offset), 0, bytes, stream), "cudaMemsetAsync");
    }

    /** Waits for everything queued on the stream; kernel faults surface here. */
    void synchronize() {
        check(cudart.cudaStreamSynchronize(stream), "cudaStreamSynchronize");
    }

    /** What compiles the generated kernels: NVRTC, or nvcc where libnvrtc could not be loaded. */
    String compiler() {
        return nvrtcLoaded ? "NVRTC" : "nvcc (libnvrtc: " + nvrtcProblem + ")";
    }

    /** CUBIN for this device from CUDA C source: NVRTC, or nvcc when NVRTC is missing or refuses the source. */
    byte[] compile(String source) {
        if (!nvrtcLoaded) {
            return NvccCompiler.cubin(source, computeCapability());
        }
        try {
            return compileWithNvrtc(source);
        } catch (CudaException e) {
            if (NvccCompiler.find() == null) {
                throw e;
            }
            System.err.println("spool: " + e.getMessage().lines().findFirst().orElse("") + "; compiling with nvcc instead");
            return NvccCompiler.cubin(source, computeCapability());
        }
    }

    private byte[] compileWithNvrtc(String source) {
        _nvrtcProgram prog = new _nvrtcProgram();
        rtc(nvrtc.nvrtcCreateProgram(prog, new BytePointer(source), new BytePointer("spool.cu"), 0, (PointerPointer<?>) null,
                (PointerPointer<?>) null), "nvrtcCreateProgram");
        try {
            PointerPointer<BytePointer> options = new PointerPointer<>("--gpu-architecture=sm_" + major + minor, "--std=c++17");
            int s = nvrtc.nvrtcCompileProgram(prog, 2, options);
            if (s != 0) {
                SizeTPointer size = new SizeTPointer(1);
                nvrtc.nvrtcGetProgramLogSize(prog, size);
                BytePointer log = new BytePointer(size.get());
                nvrtc.nvrtcGetProgramLog(prog, log);
                String text = log.getString();
                throw new CudaException("NVRTC could not compile a generated kernel: " + (text.length() > 4000 ? text.substring(0, 4000) : text));
            }
            SizeTPointer size = new SizeTPointer(1);
            rtc(nvrtc.nvrtcGetCUBINSize(prog, size), "nvrtcGetCUBINSize");
            byte[] cubin = new byte[(int) size.get()];
            rtc(nvrtc.nvrtcGetCUBIN(prog, cubin), "nvrtcGetCUBIN");
            return cubin;
        } finally {
            nvrtc.nvrtcDestroyProgram(prog);
        }
    }

    private static void rtc(int status, String call) {
        if (status != 0) {
            throw new CudaException(call + " failed: " + nvrtc.nvrtcGetErrorString(status).getString() + " (NVRTC status " + status + ")");
        }
    }

    CUmod_st load(byte[] cubin) {
        CUmod_st module = new CUmod_st();
        driver(cudart.cuModuleLoadData(module, new BytePointer(cubin)), "cuModuleLoadData");
        return module;
    }

    CUfunc_st function(CUmod_st module, String kernel) {
        CUfunc_st f = new CUfunc_st();
        driver(cudart.cuModuleGetFunction(f, module, kernel), "cuModuleGetFunction(" + kernel + ")");
        return f;
    }

    /** Launches {@code f}; {@code args} holds one pointer to each argument's value. */
    void launch(CUfunc_st f, Geometry g, PointerPointer<?> args) {
        driver(cudart.cuLaunchKernel(f, g.grid(), 1, 1, g.block(), 1, 1, 0, stream, args, null), "cuLaunchKernel");
    }

    /** Column-major single-precision GEMM (strided-batched when {@code batch > 1}), alpha 1; {@code beta} a host scalar. */
    void sgemm(GemmMapping g, FloatPointer a, FloatPointer b, FloatPointer beta, FloatPointer c, int batch) {
        int ta = g.transA() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        int tb = g.transB() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        if (batch == 1) {
            blas(cublas.cublasSgemm_v2(blas, ta, tb, g.m(), g.n(), g.k(), oneF, a, g.lda(), b, g.ldb(), beta, c, g.ldc()), "cublasSgemm");
        } else {
            blas(cublas.cublasSgemmStridedBatched(blas, ta, tb, g.m(), g.n(), g.k(), oneF, a, g.lda(), g.strideA(), b, g.ldb(), g.strideB(), beta, c,
                    g.ldc(), g.strideC(), batch), "cublasSgemmStridedBatched");
        }
    }

    void dgemm(GemmMapping g, DoublePointer a, DoublePointer b, DoublePointer beta, DoublePointer c, int batch) {
        int ta = g.transA() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        int tb = g.transB() ? cublas.CUBLAS_OP_T : cublas.CUBLAS_OP_N;
        if (batch == 1) {
            blas(cublas.cublasDgemm_v2(blas, ta, tb, g.m(), g.n(), g.k(), oneD, a, g.lda(), b, g.ldb(), beta, c, g.ldc()), "cublasDgemm");
        } else {
            blas(cublas.cublasDgemmStridedBatched(blas, ta, tb, g.m(), g.n(), g.k(), oneD, a, g.lda(), g.strideA(), b, g.ldb(), g.strideB(), beta, c,
                    g.ldc(), g.strideC(), batch), "cublasDgemmStridedBatched");
        }
    }

    /** Records what {@code work} queues on the stream as a CUDA graph (nothing runs) and instantiates it. */
    CUgraphExec_st capture(Runnable work) {
        check(cudart.cudaStreamBeginCapture(stream, cudart.cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
        CUgraph_st graph = new CUgraph_st();
        try {
            work.run();
        } finally {
            check(cudart.cudaStreamEndCapture(stream, graph), "cudaStreamEndCapture");
        }
        CUgraphExec_st exec = new CUgraphExec_st();
        check(cudart.cudaGraphInstantiate(exec, graph, 0L), "cudaGraphInstantiate");
        check(cudart.cudaGraphDestroy(graph), "cudaGraphDestroy");
        return exec;
    }

    void replay(CUgraphExec_st exec) {
        check(cudart.cudaGraphLaunch(exec, stream), "cudaGraphLaunch");
    }
}
