package dev.spool.runtime;

import dev.spool.graph.InputException;
import dev.spool.graph.Shape;
import dev.spool.graph.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One time step per call over a recurrent model, the state kept between calls (for online
 * inference and generation): {@link #step} runs the model on a sequence of length one whose
 * initial state is the previous step's final state, so n steps cost n single-step runs and give
 * what one run over the whole sequence gives. The sequence input is passed without its time axis,
 * and outputs that have one come back without it. Not thread-safe: one session per stream.
 *
 * <pre>{@code
 * Session s = model.session();
 * Tensor y0 = s.step(Map.of("tokens", Tensor.of(new long[] {3}, 1))).get("logits");   // (1, V)
 * }</pre>
 */
public final class Session {
    private final Signature signature;
    private final Function<Map<String, Tensor>, Map<String, Tensor>> run;
    private final Signature.Spec sequence;
    private final int timeAxis;
    private final Map<String, Tensor> state = new HashMap<>();

    /**
     * A session over any runner of the signature (a loaded artifact's {@code run}, or a compiled
     * graph's).
     *
     * <pre>{@code var session = new Session(model.signature(), model::run);   // as model.session()}</pre>
     *
     * @throws UnsupportedOperationException when the signature has no state pairs, no sequence
     *                                       input, or a fixed sequence length
     */
    public Session(Signature signature, Function<Map<String, Tensor>, Map<String, Tensor>> run) {
        this.signature = signature;
        this.run = run;
        if (signature.sequence() == null || signature.state().isEmpty()) {
            throw new UnsupportedOperationException("this model has no carried state to step through (a bidirectional or stateless"
                    + " model); run whole sequences with run()");
        }
        this.sequence = signature.input(signature.sequence());
        this.timeAxis = sequence.dims().indexOf("T");
        if (timeAxis < 0) {
            throw new UnsupportedOperationException("the sequence length of this model is fixed (" + sequence + "); compile it with"
                    + " --steps dynamic to step through it");
        }
    }

    /**
     * Runs one step: {@code inputs} holds the sequence input without its time axis (and any other
     * non-state input); returns every output, those with a time axis without it.
     *
     * <pre>{@code Tensor logits = session.step(Map.of("tokens", Tensor.of(new long[] {3, 7}, 2))).get("logits");}</pre>
     *
     * @throws InputException when the step input is missing or of the wrong rank
     */
    public Map<String, Tensor> step(Map<String, Tensor> inputs) {
        Map<String, Tensor> feeds = new LinkedHashMap<>(inputs);
        Tensor x = inputs.get(sequence.name());
        if (x == null) {
            throw new InputException("step input '" + sequence.name() + "' is missing; expected one time step of " + sequence);
        }
        if (x.rank() != sequence.dims().size() - 1) {
            throw new InputException("step input '" + sequence.name() + "': expected one time step of " + sequence + " (rank "
                    + (sequence.dims().size() - 1) + "), got " + x.dtype() + Shape.of(x.shape()));
        }
        Tensor xt = x.reshape(insertOne(x.shape(), timeAxis));
        feeds.put(sequence.name(), xt);
        for (Signature.State s : signature.state()) {
            if (!inputs.containsKey(s.input())) {
                Tensor carried = state.get(s.input());
                feeds.put(s.input(), carried != null ? carried : zeros(signature.input(s.input()), xt));
            }
        }
        Map<String, Tensor> out = run.apply(feeds);
        for (Signature.State s : signature.state()) {
            state.put(s.input(), out.get(s.output()).copy());
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        for (Signature.Spec o : signature.outputs()) {
            Tensor t = out.get(o.name());
            int axis = o.dims().indexOf("T");
            result.put(o.name(), axis < 0 ? t : t.reshape(dropAxis(t.shape(), axis)));
        }
        return result;
    }

    /** {@link #step(Map)} for a model whose only non-state input is the sequence: {@code session.step(xt).get("output")}. */
    public Map<String, Tensor> step(Tensor x) {
        return step(Map.of(sequence.name(), x));
    }

    /** Forgets the state: the next step starts from zeros, as a new sequence: {@code session.reset();}. */
    public void reset() {
        state.clear();
    }

    /** A state input's zeros at the first step, its symbolic dims sized from the step's sequence input. */
    private Tensor zeros(Signature.Spec spec, Tensor xt) {
        Map<String, Integer> sizes = new HashMap<>();
        for (int i = 0; i < sequence.dims().size(); i++) {
            if (sequence.dims().get(i) instanceof String sym) {
                sizes.put(sym, xt.dim(i));
            }
        }
        int[] shape = spec.sizes(sizes);
        if (shape == null) {
            throw new InputException("state input '" + spec.name() + "' has a dim that the sequence input does not give (" + spec + "); pass it");
        }
        return Tensor.zeros(spec.dtype(), shape);
    }

    private static int[] insertOne(int[] shape, int axis) {
        List<Integer> s = new ArrayList<>();
        for (int d : shape) {
            s.add(d);
        }
        s.add(axis, 1);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] dropAxis(int[] shape, int axis) {
        int[] s = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != axis) {
                s[j++] = shape[i];
            }
        }
        return s;
    }
}
