import dev.spool.backend.cpu.CpuBackend;
import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.TensorType;
import dev.spool.graph.io.SafeTensors;
import dev.spool.nn.CellType;
import dev.spool.nn.RecurrentConfig;
import dev.spool.nn.RecurrentLayer;
import dev.spool.runtime.SpoolModel;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * First-call latency of an LSTM layer in a fresh JVM (tools/first_call_latency.sh runs it):
 * {@code artifact M.spool X.safetensors} loads a .spool and runs it; {@code graph W.safetensors
 * X.safetensors} builds the layer's graph and compiles it in-process, as spool eval does. Prints
 * load (or compile), the first run, and the medians of the next 20 runs and of 20 runs after 3 s.
 */
public class FirstCallLatency {
    public static void main(String[] a) throws Exception {
        long t0 = System.nanoTime();
        Map<String, Tensor> x = SafeTensors.read(Path.of(a[2]));
        Function<Map<String, Tensor>, Map<String, Tensor>> run;
        if (a[0].equals("artifact")) {
            SpoolModel m = SpoolModel.load(Path.of(a[1]));
            run = m::run;
        } else {
            Map<String, Tensor> w = SafeTensors.read(Path.of(a[1]));
            Map<String, TensorType> types = new LinkedHashMap<>();
            w.forEach((k, v) -> types.put(k, v.type()));
            RecurrentConfig cfg = RecurrentConfig.fromWeights(CellType.parse("lstm"), types, 1, false, false, DType.F32);
            var program = CpuBackend.compile(RecurrentLayer.graph(cfg, false, false));
            Map<String, Tensor> feeds = new HashMap<>(w);
            run = in -> {
                Map<String, Tensor> f = new HashMap<>(feeds);
                f.putAll(in);
                return program.run(f);
            };
        }
        long t1 = System.nanoTime();
        run.apply(x);
        long t2 = System.nanoTime();
        long sinceJvmStart = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
        double[] later = new double[20];
        for (int i = 0; i < later.length; i++) {
            long s = System.nanoTime();
            run.apply(x);
            later[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(later);
        long settle = System.nanoTime() + 3_000_000_000L;
        while (System.nanoTime() < settle) {
            run.apply(x);
        }
        double[] settled = new double[20];
        for (int i = 0; i < settled.length; i++) {
            long s = System.nanoTime();
            run.apply(x);
            settled[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(settled);
        System.out.printf("%s: %s %.0f ms, first run %.0f ms, load + first run %.0f ms (%d ms since the JVM started), next 20 runs %.2f ms,"
                + " after 3 s %.2f ms (medians)%n", a[0], a[0].equals("artifact") ? "load" : "compile", (t1 - t0) / 1e6, (t2 - t1) / 1e6,
                (t2 - t0) / 1e6, sinceJvmStart, later[10], settled[10]);
    }
}
