package dev.spool.runtime;

import dev.spool.graph.Tensor;
import dev.spool.graph.internal.AtomicWrite;
import dev.spool.graph.io.SafeTensors;

import java.nio.file.Path;
import java.util.Map;

/**
 * The smallest way to run an artifact, with nothing but the runtime on the class path:
 * {@code java --add-modules jdk.incubator.vector -cp 'spool-runtime.jar:lib/*' dev.spool.runtime.SpoolRun
 * M.spool X.safetensors Y.safetensors}. Reads the inputs, runs once, writes the outputs, and prints
 * the load time and the first run's latency. Exit 2 with one line on a bad artifact or input.
 */
public final class SpoolRun {
    private SpoolRun() {
    }

    /**
     * Runs {@code args[0]} (an artifact) on the tensors of {@code args[1]} and writes its outputs to
     * {@code args[2]}: {@code SpoolRun.main(new String[] {"m.spool", "x.safetensors", "y.safetensors"})}.
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: SpoolRun M.spool X.safetensors Y.safetensors");
            System.exit(2);
        }
        try {
            long t0 = System.nanoTime();
            SpoolModel model = SpoolModel.load(Path.of(args[0]));
            long t1 = System.nanoTime();
            Map<String, Tensor> y = model.run(SafeTensors.read(Path.of(args[1])));
            long t2 = System.nanoTime();
            AtomicWrite.write(Path.of(args[2]), SafeTensors.encode(y));
            System.out.printf("load %.1f ms, first run %.1f ms%n", (t1 - t0) / 1e6, (t2 - t1) / 1e6);
        } catch (ArtifactException | dev.spool.graph.InputException | dev.spool.graph.io.SafeTensorsException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }
}
