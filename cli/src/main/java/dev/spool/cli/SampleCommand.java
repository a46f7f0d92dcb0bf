package dev.spool.cli;

import dev.spool.backend.cpu.CpuBackend;
import dev.spool.nn.data.Vocab;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code spool sample}: continues a prefix with a model saved by {@code spool train --save}. */
@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Continue a text prefix with a trained language model.",
        footer = {"", "Example:", "  spool sample --load rnn.spool --prefix \"it has\" --predict 20 --temperature 0.8"})
final class SampleCommand implements Callable<Integer> {
    /** The longest continuation one call generates (sampling re-runs the whole sequence per character). */
    static final int MAX_PREDICT = 2000;

    @Option(names = "--load", required = true, paramLabel = "FILE.spool", description = "A model written by spool train --save.")
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

    @Override
    public Integer call() throws Exception {
        if (n < 0) {
            throw new ErrorReporter.UserError("--predict must be >= 0, got " + n);
        }
        if (n > MAX_PREDICT) {
            throw new ErrorReporter.UserError(String.format("--predict %,d is more than the %,d characters one call generates: every new character"
                    + " re-runs the model over the whole text so far, so the time grows with the square of the length; ask for at most %,d"
                    + " and continue from the output as the next --prefix", n, MAX_PREDICT, MAX_PREDICT));
        }
        InputFiles.checkReadable("--load", load);
        if (!(temperature >= 0)) {
            throw new ErrorReporter.UserError("--temperature must be >= 0, got " + temperature);
        }
        ModelFile m = ModelFile.load(load);
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
        int[] next = m.model().continueTokens(CpuBackend.compile(m.model().logitsGraph())::run, m.params(), ids, n, temperature,
                new SplittableRandom(seed));
        spec.commandLine().getOut().println(vocab.decode(ids) + vocab.decode(next));
        return 0;
    }
}
