package dev.spool.cli;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.backend.cpu.CpuProgram;
import dev.spool.graph.Graph;
import dev.spool.graph.Tensor;
import dev.spool.runtime.Session;
import dev.spool.runtime.Signature;
import dev.spool.runtime.SpoolModel;
import dev.spool.nn.LanguageModel;
import dev.spool.nn.data.Vocab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code spool sample}: continues a prefix with a model saved by {@code spool train --save}. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Continue a text prefix with a trained language model.",
        footer = {"", "Example:", "  spool sample --load rnn.spool --prefix \"it has\" --predict 20 --temperature 0.8"})
final class SampleCommand implements Callable<Integer> {
    /** The longest continuation one call generates step by step (a bound on one call's output; each character costs one short run). */
    static final int MAX_STEPWISE = 1_000_000;

    /** The longest continuation one call generates from a bidirectional model (which re-runs the whole text per character). */
    static final int MAX_PREDICT = 2000;

    @Option(names = "--load", required = true, paramLabel = "FILE.spool", description = "A model written by spool train --save, or an artifact of one from spool compile --load.")
    Path load;

    @Option(names = "--prefix", defaultValue = "it has", description = "Text to continue (default: '${DEFAULT-VALUE}').")
    String prefix;

    @Option(names = {"--predict", "--n"}, defaultValue = "20", description = "Characters to generate, as train --predict (default: ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--temperature", defaultValue = "0", description = "0 picks the most likely character (default); > 0 samples from softmax(logits / t).")
    double temperature;

    @Option(names = "--seed", defaultValue = "0", description = "Seed for sampling (default: ${DEFAULT-VALUE}).")
    long seed;

    @Mixin
    CommonOptions common;

    @Spec
    CommandSpec spec;

    /** A session over the model's stateful graph compiled here (for a model file rather than an artifact). */
    static Session session(LanguageModel lm, Map<String, Tensor> params) {
        Graph g = lm.statefulLogitsGraph();
        CpuProgram program = CpuBackend.compile(g);
        List<Signature.State> state = CompileCommand.recurrentState(lm.rnn().cell().hasCellState());
        return new Session(Signature.of(g, Map.of(), state, "tokens"), feeds -> {
            Map<String, Tensor> all = new HashMap<>(params);
            all.putAll(feeds);
            return program.run(all);
        });
    }

    /**
     * Continues {@code ids} by {@code n} characters: through {@code session}, one step per character
     * with the state carried (O(n)); without one (a bidirectional model, which reads the whole text),
     * by re-running the text so far for every character.
     */
    static int[] continueText(LanguageModel lm, Map<String, Tensor> params, Session session, int[] ids, int n, double temperature,
                              SplittableRandom rnd) {
        if (session != null) {
            return lm.continueStepwise(t -> session.step(Map.of("tokens", Tensor.ofLongs(new int[] {1}, t))).get("logits"), ids, n,
                    temperature, rnd);
        }
        return lm.continueTokens(CpuBackend.compile(lm.logitsGraph())::run, params, ids, n, temperature, rnd);
    }

    /** Whether the file is a zip (an artifact) rather than a safetensors model file. */
    private static boolean isArtifact(Path file) throws java.io.IOException {
        try (var in = java.nio.file.Files.newInputStream(file)) {
            byte[] magic = in.readNBytes(4);
            return magic.length == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == 3 && magic[3] == 4;
        }
    }

    @Override
    public Integer call() throws Exception {
        if (n < 0) {
            throw new ErrorReporter.UserError("--predict must be >= 0, got " + n);
        }
        InputFiles.checkReadable("--load", load);
        if (!(temperature >= 0)) {
            throw new ErrorReporter.UserError("--temperature must be >= 0, got " + temperature);
        }
        boolean artifact = isArtifact(load);
        SpoolModel compiled = artifact ? SpoolModel.load(load) : null;
        ModelFile m = artifact ? ModelFile.fromArtifact(load, compiled) : ModelFile.load(load);
        boolean stepwise = !m.model().rnn().bidirectional();
        if (n > MAX_STEPWISE) {
            throw new ErrorReporter.UserError(String.format("--predict %,d is more than the %,d characters one call generates; continue from the"
                    + " output as the next --prefix", n, MAX_STEPWISE));
        }
        if (!stepwise && n > MAX_PREDICT) {
            throw new ErrorReporter.UserError(String.format("--predict %,d is more than the %,d characters one call generates with a bidirectional model:"
                    + " every new character re-runs it over the whole text so far, so the time grows with the square of the length; ask for at"
                    + " most %,d and continue from the output as the next --prefix", n, MAX_PREDICT, MAX_PREDICT));
        }
        Vocab vocab = new Vocab(m.tokens());
        int[] ids = vocab.encode(prefix);
        String outside = prefix.codePoints().filter(c -> !(c < 128 && Character.isLetter(c)) && c != ' ').distinct()
                .mapToObj(c -> "'" + Character.toString(c) + "'").collect(java.util.stream.Collectors.joining(" "));
        if (!outside.isEmpty()) {
            // As in training (d2l's preprocessing): everything but the letters a-z becomes a space.
            spec.commandLine().getErr().println("spool sample: note: --prefix characters outside the vocabulary (a-z and space) are read as"
                    + " spaces, as in training: " + outside);
        }
        if (ids.length == 0) {
            throw new ErrorReporter.UserError("--prefix '" + prefix + "' has no characters the model knows (letters and spaces)");
        }
        Session session = !stepwise ? null : compiled != null ? compiled.session() : session(m.model(), m.params());
        int[] next = continueText(m.model(), m.params(), session, ids, n, temperature, new SplittableRandom(seed));
        spec.commandLine().getOut().println(vocab.decode(ids) + vocab.decode(next));
        return 0;
    }
}
