/**
 * PyTorch-compatible layers built as graphs: {@link dev.spool.nn.RecurrentLayer} ({@code nn.RNN},
 * {@code nn.GRU}, {@code nn.LSTM} and MyRNN, configured by {@link dev.spool.nn.RecurrentConfig}
 * and {@link dev.spool.nn.CellType}), the cell equations ({@link dev.spool.nn.Cells}), the character
 * language model {@link dev.spool.nn.LanguageModel}, and {@link dev.spool.nn.GruFromOps}, a GRU
 * written from ops as a user writes a custom cell.
 *
 * <pre>{@code
 * import dev.spool.graph.DType;
 * import dev.spool.graph.Graph;
 * import dev.spool.nn.CellType;
 * import dev.spool.nn.RecurrentConfig;
 * import dev.spool.nn.RecurrentLayer;
 *
 * var cfg = new RecurrentConfig(CellType.LSTM, 28, 32, 2, true, false, DType.F32);
 * Graph g = RecurrentLayer.graph(cfg, false, false);   // inputs: input; results: output, h_n, c_n
 * }</pre>
 */
package dev.spool.nn;
