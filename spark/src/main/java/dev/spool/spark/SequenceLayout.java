package dev.spool.spark;

import dev.spool.graph.DType;
import dev.spool.runtime.Signature;
import dev.spool.runtime.Signature.Spec;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a column of sequences enters an artifact and where each row's result comes from, decided once
 * on the driver from the artifact's signature. The sequence input is the one input shaped
 * {@code [T, B]} (token ids, I32/I64) or {@code [T, B, I]} (feature vectors, F32/F64); an input
 * {@code lengths} of shape {@code [B]}, when the artifact has one, gets each row's length, so that
 * padding after a row's end changes none of its results. Without it only outputs with a time axis
 * {@code [T, B, ...]} are allowed, cut to the row's length: their steps before the end of a row do
 * not see the padding as long as the artifact is causal (a unidirectional layer, the language model),
 * whereas a final state would be the state after the padding.
 *
 * @param sequence the input the column's sequences go to
 * @param lengths the {@code lengths} input, or null when the artifact takes none
 * @param output the output read back per row
 * @param time the symbol of the time axis ({@code "T"})
 * @param batch the symbol of the batch axis ({@code "B"})
 */
record SequenceLayout(Port sequence, Port lengths, Port output, Object time, Object batch) implements Serializable {

    /** A {@link Spec} that travels to the executors with the task. */
    record Port(String name, DType dtype, List<Object> dims) implements Serializable {
        Port {
            dims = List.copyOf(dims);
        }

        static Port of(Spec spec) {
            return spec == null ? null : new Port(spec.name(), spec.dtype(), spec.dims());
        }

        @Override
        public String toString() {
            return name + " " + dtype + dims;
        }
    }
    static final String LENGTHS = "lengths";

    /**
     * The layout of {@code model} reading {@code outputName} (the first output when null).
     *
     * @throws IllegalArgumentException naming the artifact and what does not fit
     */
    static SequenceLayout of(String artifact, Signature signature, String outputName) {
        List<Spec> sequences = new ArrayList<>();
        Spec lengths = null;
        for (Spec in : signature.inputs()) {
            if (in.name().equals(LENGTHS)) {
                lengths = in;
            } else if (isSequence(in)) {
                sequences.add(in);
            } else if (!signature.isState(in.name())) {
                throw refuse(artifact, "needs the input " + in + ", which is neither a sequence [T, B(, I)] nor lengths [B]");
            }
        }
        if (sequences.size() != 1) {
            throw refuse(artifact, "should take exactly one sequence input [T, B] or [T, B, I], takes " + sequences);
        }
        Spec sequence = sequences.get(0);
        Object time = sequence.dims().get(0);
        Object batch = sequence.dims().get(1);
        if (lengths != null && (lengths.dims().size() != 1 || !lengths.dims().get(0).equals(batch) || lengths.dtype().isFloat())) {
            throw refuse(artifact, "has the input " + lengths + "; lengths should be integers of shape [" + batch + "]");
        }
        Spec output = pickOutput(artifact, signature, outputName);
        int batchAxis = output.dims().indexOf(batch);
        boolean steps = output.dims().size() >= 2 && output.dims().get(0).equals(time) && batchAxis == 1;
        if (!steps && lengths == null) {
            throw refuse(artifact, "output " + output + " has no time axis [" + time + ", " + batch
                    + ", ...]; without a 'lengths' input its value per row would include the padding");
        }
        if (batchAxis < 0 || batchAxis > 1 || output.dims().size() > 3 || output.dims().indexOf(batch) != output.dims().lastIndexOf(batch)) {
            throw refuse(artifact, "output " + output + " cannot be split into rows: its batch axis " + batch
                    + " should be the first or second of at most three");
        }
        return new SequenceLayout(Port.of(sequence), Port.of(lengths), Port.of(output), time, batch);
    }

    private static boolean isSequence(Spec in) {
        int rank = in.dims().size();
        boolean symbolic = rank >= 2 && in.dims().get(0) instanceof String && in.dims().get(1) instanceof String;
        boolean tokens = rank == 2 && in.dtype().isInteger();
        boolean features = rank == 3 && in.dtype().isFloat() && in.dims().get(2) instanceof Integer;
        return symbolic && (tokens || features);
    }

    private static Spec pickOutput(String artifact, Signature signature, String outputName) {
        if (outputName == null) {
            return signature.outputs().get(0);
        }
        for (Spec out : signature.outputs()) {
            if (out.name().equals(outputName)) {
                return out;
            }
        }
        List<String> names = signature.outputs().stream().map(Spec::name).toList();
        throw refuse(artifact, "has no output '" + outputName + "'; its outputs are " + names);
    }

    private static IllegalArgumentException refuse(String artifact, String what) {
        return new IllegalArgumentException("artifact " + artifact + " " + what);
    }

    /** Whether the sequences are token ids ({@code [T, B]}) rather than feature vectors ({@code [T, B, I]}). */
    boolean tokens() {
        return sequence.dims().size() == 2;
    }

    /** The size of one feature vector, 1 for token ids. */
    int featureSize() {
        return tokens() ? 1 : (Integer) sequence.dims().get(2);
    }

    /** Whether the output has a time axis, cut to each row's length. */
    boolean outputSteps() {
        return output.dims().get(0).equals(time) && output.dims().indexOf(batch) == 1;
    }

    /** The dtype of the sequence input. */
    DType sequenceDType() {
        return sequence.dtype();
    }
}
