package dev.spool.spark;

import dev.spool.graph.DType;
import dev.spool.graph.InputException;
import dev.spool.graph.Tensor;
import dev.spool.spark.SequenceBatch.Sequence;

import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

import java.io.Serializable;

/** What the new column holds per row: the artifact's output itself, or a score computed from it. */
sealed interface RowOutput extends Serializable {

    /** The column's Spark type. */
    DataType sparkType(SequenceLayout layout);

    /** Row {@code row}'s value, from {@code values} (the output's elements, flat) of a batch. */
    Object value(SequenceLayout layout, Tensor output, Object values, Sequence sequence, int row);

    /** Refuses a layout this output cannot be computed from. */
    void check(String artifact, SequenceLayout layout);

    /**
     * The row's slice of the output (see {@link SequenceBatch#rowResult}): {@code array<float>} for
     * {@code [T, B]}, {@code array<array<float>>} for {@code [T, B, V]} or {@code [L, B, H]}.
     */
    record Slice() implements RowOutput {
        @Override
        public DataType sparkType(SequenceLayout layout) {
            DataType element = element(layout.output().dtype());
            int batchAxis = layout.output().dims().indexOf(layout.batch());
            boolean nested = batchAxis > 0 && batchAxis < layout.output().dims().size() - 1;
            ArrayType vector = DataTypes.createArrayType(element, false);
            return nested ? DataTypes.createArrayType(vector, false) : vector;
        }

        @Override
        public Object value(SequenceLayout layout, Tensor output, Object values, Sequence sequence, int row) {
            int batchAxis = layout.output().dims().indexOf(layout.batch());
            return SequenceBatch.rowResult(output, values, batchAxis, row, sequence.length(), layout.outputSteps());
        }

        @Override
        public void check(String artifact, SequenceLayout layout) {
        }

        private static DataType element(DType dtype) {
            return switch (dtype) {
                case F32 -> DataTypes.FloatType;
                case F64 -> DataTypes.DoubleType;
                case I32 -> DataTypes.IntegerType;
                case I64 -> DataTypes.LongType;
                case BOOL -> DataTypes.BooleanType;
            };
        }
    }

    /**
     * For a language model (token ids {@code [T, B]} in, logits {@code [T, B, V]} out): the
     * log-likelihood of each row's sequence under the model, {@code Σ_{t<n-1} log softmax(logits[t])[x[t+1]]}
     * in natural log, summed in double from the f32 logits; 0 for sequences shorter than 2. The
     * per-character perplexity of a row is {@code exp(-ll / (n - 1))}.
     */
    record LogLikelihood() implements RowOutput {
        @Override
        public DataType sparkType(SequenceLayout layout) {
            return DataTypes.DoubleType;
        }

        @Override
        public void check(String artifact, SequenceLayout layout) {
            var out = layout.output();
            if (!layout.tokens() || !layout.outputSteps() || out.dims().size() != 3 || !out.dtype().isFloat()) {
                throw new IllegalArgumentException("artifact " + artifact + " is not a language model: the log-likelihood needs token ids "
                        + "[T, B] in and logits [T, B, V] out, it maps " + layout.sequence() + " to " + out);
            }
        }

        @Override
        public Object value(SequenceLayout layout, Tensor output, Object values, Sequence sequence, int row) {
            int batch = output.dim(1);
            int vocab = output.dim(2);
            long[] tokens = (long[]) sequence.values();
            double sum = 0;
            for (int t = 0; t + 1 < sequence.length(); t++) {
                long next = tokens[t + 1];
                if (next < 0 || next >= vocab) {
                    throw new InputException("token " + next + " at step " + (t + 1) + " is outside the vocabulary 0.." + (vocab - 1));
                }
                int base = (t * batch + row) * vocab;
                sum += logit(values, base + (int) next) - logSumExp(values, base, vocab);
            }
            return sum;
        }

        private static double logSumExp(Object values, int base, int n) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                max = Math.max(max, logit(values, base + i));
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += Math.exp(logit(values, base + i) - max);
            }
            return max + Math.log(sum);
        }

        private static double logit(Object values, int i) {
            return values instanceof float[] f ? f[i] : ((double[]) values)[i];
        }
    }
}
