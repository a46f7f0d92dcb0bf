package dev.spool.examples;

import dev.spool.backend.cpu.artifact.ArtifactCompiler;
import dev.spool.backend.cpu.CpuBackend;
import dev.spool.compiler.Pipeline;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.runtime.SpoolModel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Compile once, serve many: README's MyRNN compiled ahead of time into a {@code .spool} artifact
 * (the build step, which needs the compiler), then loaded with {@link SpoolModel} (what the service
 * does, with {@code spool-runtime} alone) and queried from several threads at batch sizes and
 * lengths of their own; every answer is checked against the in-process compiler, bit for bit.
 */
public final class CompileAndServe {
    public static void main(String[] args) throws Exception {
        SplittableRandom rnd = new SplittableRandom(11);
        Map<String, Tensor> weights = Map.of(
                "projection_1.weight", random(rnd, 4, 3), "projection_1.bias", random(rnd, 4),
                "projection_2.weight", random(rnd, 4, 4), "projection_2.bias", random(rnd, 4));
        Graph g = MyRnnExample.myRnn(3, 4);

        // Build time: the artifact holds the optimised program, its kernels and the weights.
        Path artifact = Files.createTempFile("myrnn", ".spool");
        ArtifactCompiler.write(artifact, g, weights, Map.of(), List.of(), null, Pipeline.standard());
        System.out.printf("compiled %s (%,d bytes)%n", artifact.getFileName(), Files.size(artifact));

        // Serving: load once, run from many threads; T and B come from each request.
        SpoolModel model = SpoolModel.load(artifact);
        System.out.println("signature: " + model.signature().inputs() + " -> " + model.signature().outputs());
        var reference = CpuBackend.compile(g);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Boolean>> answers = new ArrayList<>();
        for (int request = 0; request < 12; request++) {
            int steps = 1 + request % 7;
            int batch = 1 + request % 4;
            Tensor x = random(new SplittableRandom(request), steps, batch, 3);
            answers.add(pool.submit(() -> {
                Tensor served = model.run(Map.of("x", x)).get("outputs");
                Map<String, Tensor> feeds = new HashMap<>(weights);
                feeds.put("x", x);
                return Arrays.equals(served.toFloatArray(), reference.run(feeds).get("outputs").toFloatArray());
            }));
        }
        for (Future<Boolean> a : answers) {
            if (!a.get()) {
                throw new AssertionError("a served answer differs from the compiler's");
            }
        }
        pool.shutdown();
        Files.delete(artifact);
        System.out.println("12 requests from 4 threads, each bit for bit the compiler's answer");
    }

    static Tensor random(SplittableRandom rnd, int... shape) {
        float[] v = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return Tensor.of(v, shape);
    }
}
