package dev.spool.cli;

import dev.spool.graph.DType;
import dev.spool.graph.Tensor;
import dev.spool.graph.io.SafeTensors;
import dev.spool.runtime.Signature;
import dev.spool.runtime.SpoolModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;

/** {@code spool run}: runs a {@code .spool} artifact on inputs from a safetensors file, with the runtime only. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run a .spool artifact (written by spool compile) on the tensors of a safetensors file and write its outputs.",
                "Nothing is compiled: the artifact's program is bound to the inputs' sizes and run with its own kernels."},
        footer = {"", "Example:", "  spool run lstm.spool --inputs X.safetensors --out Y.safetensors"})
final class RunCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "M.spool", description = "The artifact.")
    Path artifact;

    @Option(names = "--inputs", required = true, paramLabel = "X.safetensors", description = "One tensor per input of the artifact's signature.")
    Path inputs;

    @Option(names = "--out", required = true, paramLabel = "Y.safetensors", description = "Where to write the outputs.")
    Path out;

    @Option(names = "--repeat", defaultValue = "1", description = "Run this many times and report the median time (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (repeat < 1) {
            throw new ErrorReporter.UserError("--repeat must be >= 1, got " + repeat);
        }
        Map<String, Path> in = new LinkedHashMap<>();
        in.put("artifact", artifact);
        in.put("--inputs", inputs);
        OutputFiles.checkDistinct(in, Map.of("--out", out));
        InputFiles.checkReadable("artifact", artifact);
        InputFiles.checkReadable("--inputs", inputs);
        OutputFiles.checkWritable(out);
        long t0 = System.nanoTime();
        SpoolModel model = SpoolModel.load(artifact);
        double loadMs = (System.nanoTime() - t0) / 1e6;
        Map<String, Tensor> x = new LinkedHashMap<>(SafeTensors.read(inputs));
        for (Signature.Spec s : model.signature().inputs()) {
            Tensor t = x.get(s.name());
            if (t != null && s.dtype() == DType.I64 && (t.dtype() == DType.I32)) {
                x.put(s.name(), EvalCommand.asI64(t));   // as spool eval reads lengths
            }
        }
        double[] ms = new double[repeat];
        Map<String, Tensor> y = null;
        for (int i = 0; i < repeat; i++) {
            long t1 = System.nanoTime();
            y = model.run(x);
            ms[i] = (System.nanoTime() - t1) / 1e6;
        }
        SafeTensors.write(out, y);
        StringJoiner summary = new StringJoiner(", ");
        y.forEach((k, v) -> summary.add(k + " " + v.type()));
        var o = spec.commandLine().getOut();
        o.printf("wrote %s: %s%n", out, summary);
        double first = ms[0];
        Arrays.sort(ms);
        o.printf("load %.1f ms, first run %.2f ms%s%n", loadMs, first, repeat > 1 ? String.format(", median %.2f ms of %d runs", ms[repeat / 2], repeat) : "");
        return 0;
    }
}
