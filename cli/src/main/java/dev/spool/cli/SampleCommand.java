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
        footer = {"", "Example:", "  spool sample --load rnn.spool --prefix \"it has\" --n 20 --temperature 0.8"})
final class SampleCommand implements Callable<Integer> {

    @Option(names = "--load", required = true, paramLabel = "FILE.spool", description = "A model written by spool train --save.")
    Path load;

    @Option(names = "--prefix", defaultValue = "it has", description = "Text to continue (default: '${DEFAULT-VALUE}').")
    String prefix;

    @Option(names = "--n", defaultValue = "20", description = "Characters to generate (default: ${DEFAULT-VALUE}).")
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
            throw new ErrorReporter.UserError("--n must be >= 0, got " + n);
        }
        if (!(temperature >= 0)) {
            throw new ErrorReporter.UserError("--temperature must be >= 0, got " + temperature);
        }
        ModelFile m = ModelFile.load(load);
        Vocab vocab = new Vocab(m.tokens());
        int[] ids = vocab.encode(prefix);
        if (ids.length == 0) {
            throw new ErrorReporter.UserError("--prefix '" + prefix + "' has no characters the model knows (letters and spaces)");
        }
        int[] next = m.model().continueTokens(CpuBackend.compile(m.model().logitsGraph())::run, m.params(), ids, n, temperature,
                new SplittableRandom(seed));
        spec.commandLine().getOut().println(vocab.decode(ids) + vocab.decode(next));
        return 0;
    }
}
