package dev.spool.runtime;

import dev.spool.graph.DType;

import java.util.List;

/**
 * What an artifact takes and gives: named tensors with a dtype and a shape whose dims are sizes
 * ({@link Integer}) or symbolic names ({@link String}, e.g. {@code "T"}, {@code "B"}) that each run
 * binds from its inputs. State pairs name an input that a {@link Session} feeds from an output of
 * the previous step (e.g. {@code h0} from {@code h_n}); state inputs may be left out of a run and
 * are then zeros.
 *
 * <pre>{@code
 * for (Signature.Spec in : model.signature().inputs()) System.out.println(in);   // input F32[T, B, 28]
 * }</pre>
 */
public record Signature(List<Spec> inputs, List<Spec> outputs, List<State> state, String sequence) {

    public Signature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        state = List.copyOf(state);
    }

    /** One named tensor: dims are Integer sizes or String symbols. */
    public record Spec(String name, DType dtype, List<Object> dims) {
        public Spec {
            dims = List.copyOf(dims);
        }

        @Override
        public String toString() {
            return name + " " + dtype + dims;
        }
    }

    /** An input fed from an output by each step of a session. */
    public record State(String input, String output) {
    }

    /** The input of this name, or null. */
    public Spec input(String name) {
        return inputs.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** The output of this name, or null. */
    public Spec output(String name) {
        return outputs.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** Whether {@code name} is the input side of a state pair (optional in a run: zeros when absent). */
    public boolean isState(String input) {
        return state.stream().anyMatch(s -> s.input().equals(input));
    }
}
