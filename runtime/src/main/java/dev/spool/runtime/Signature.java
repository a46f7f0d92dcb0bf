package dev.spool.runtime;

import dev.spool.graph.DType;
import dev.spool.graph.Dim;
import dev.spool.graph.Graph;
import dev.spool.graph.Shape;
import dev.spool.graph.Value;
import dev.spool.graph.internal.Source;

import java.util.ArrayList;

import java.util.List;
import java.util.Map;

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

    /**
     * One named tensor: dims are Integer sizes or String symbols.
     *
     * <pre>{@code new Signature.Spec("input", DType.F32, List.of("T", "B", 28))   // prints input F32[T, B, 28]}</pre>
     */
    public record Spec(String name, DType dtype, List<Object> dims) {
        public Spec {
            dims = List.copyOf(dims);
        }

        /**
         * The shape with every symbolic dim sized from {@code sizes}, or null when one is not there.
         *
         * <pre>{@code int[] shape = spec.sizes(Map.of("T", 35, "B", 32));}</pre>
         */
        public int[] sizes(Map<String, Integer> sizes) {
            int[] out = new int[dims.size()];
            for (int i = 0; i < out.length; i++) {
                Object d = dims.get(i);
                Integer size = d instanceof Integer n ? n : sizes.get((String) d);
                if (size == null) {
                    return null;
                }
                out[i] = size;
            }
            return out;
        }

        @Override
        public String toString() {
            return name + " " + dtype + dims;
        }
    }

    /**
     * An input fed from an output by each step of a session.
     *
     * <pre>{@code new Signature.State("h0", "h_n")   // h0 ← h_n}</pre>
     */
    public record State(String input, String output) {
    }

    /** The input of this name, or null: {@code signature.input("input").dims()}. */
    public Spec input(String name) {
        return inputs.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** The output of this name, or null: {@code signature.output("output").dtype()}. */
    public Spec output(String name) {
        return outputs.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    /** Whether {@code input} is the input side of a state pair (optional in a run: zeros when absent): {@code signature.isState("h0")}. */
    public boolean isState(String input) {
        return state.stream().anyMatch(s -> s.input().equals(input));
    }

    /**
     * The signature of a graph: its inputs and results, with the dims in {@code fixed} given as sizes.
     *
     * <pre>{@code Signature s = Signature.of(graph, Map.of(), List.of(new Signature.State("h0", "h_n")), "tokens");}</pre>
     */
    public static Signature of(Graph g, Map<String, Integer> fixed, List<State> state, String sequence) {
        List<Spec> inputs = new ArrayList<>();
        for (Value p : g.params()) {
            Source s = g.source(p);
            if (s.kind() == Source.Kind.INPUT) {
                inputs.add(new Spec(s.label(), p.dtype(), dims(p.shape(), fixed)));
            }
        }
        List<Spec> outputs = new ArrayList<>();
        for (int i = 0; i < g.results().size(); i++) {
            Value r = g.results().get(i);
            outputs.add(new Spec(g.resultNames().get(i), r.dtype(), dims(r.shape(), fixed)));
        }
        return new Signature(inputs, outputs, state, sequence);
    }

    private static List<Object> dims(Shape shape, Map<String, Integer> fixed) {
        List<Object> out = new ArrayList<>();
        for (Dim d : shape.dims()) {
            if (d instanceof Dim.Fixed f) {
                out.add(f.size());
            } else if (d instanceof Dim.Sym s) {
                out.add(fixed.containsKey(s.name()) ? (Object) fixed.get(s.name()) : s.name());
            } else {
                out.add(d.toString());
            }
        }
        return out;
    }

}
