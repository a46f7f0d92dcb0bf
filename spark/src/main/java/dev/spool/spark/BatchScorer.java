package dev.spool.spark;

import dev.spool.graph.Tensor;
import dev.spool.spark.SequenceBatch.Sequence;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The work of one partition: reads up to {@code batchSize} rows at a time (never the whole
 * partition), runs them as one padded batch of the executor's shared model, and emits each row with
 * its result appended. A row whose sequence is null gets a null result and takes no place in the
 * batch; an empty partition loads nothing.
 */
final class BatchScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final ArtifactCache.Key artifact;
    private final SequenceLayout layout;
    private final RowOutput output;
    private final int column;
    private final String columnName;
    private final int batchSize;

    BatchScorer(ArtifactCache.Key artifact, SequenceLayout layout, RowOutput output, int column, String columnName, int batchSize) {
        this.artifact = artifact;
        this.layout = layout;
        this.output = output;
        this.column = column;
        this.columnName = columnName;
        this.batchSize = batchSize;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && rows.hasNext()) {
                    ready.addAll(nextBatch(rows));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }

    private List<Row> nextBatch(Iterator<Row> rows) {
        List<Row> batch = new ArrayList<>(batchSize);
        List<Sequence> sequences = new ArrayList<>(batchSize);
        List<Integer> slots = new ArrayList<>(batchSize);
        while (batch.size() < batchSize && rows.hasNext()) {
            Row row = rows.next();
            batch.add(row);
            List<?> value = row.isNullAt(column) ? null : SequenceBatch.list(row.get(column));
            if (value == null) {
                slots.add(-1);
                continue;
            }
            slots.add(sequences.size());
            sequences.add(SequenceBatch.read(layout, value, "column " + columnName));
        }
        Object[] results = run(sequences);
        List<Row> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) {
            out.add(withResult(batch.get(i), slots.get(i) < 0 ? null : results[slots.get(i)]));
        }
        return out;
    }

    private Object[] run(List<Sequence> sequences) {
        Object[] results = new Object[sequences.size()];
        if (sequences.isEmpty()) {
            return results;
        }
        Map<String, Tensor> outputs = ArtifactCache.get(artifact).run(SequenceBatch.feeds(layout, sequences));
        Tensor tensor = outputs.get(layout.output().name());
        Object values = SequenceBatch.elements(tensor);
        for (int r = 0; r < results.length; r++) {
            results[r] = output.value(layout, tensor, values, sequences.get(r), r);
        }
        return results;
    }

    private static Row withResult(Row row, Object result) {
        Object[] values = new Object[row.size() + 1];
        for (int i = 0; i < row.size(); i++) {
            values[i] = row.get(i);
        }
        values[row.size()] = result;
        return RowFactory.create(values);
    }
}
