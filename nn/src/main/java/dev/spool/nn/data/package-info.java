/**
 * The data of "Dive into Deep Learning"'s character language model: The Time Machine, tokenized by
 * characters ({@link dev.spool.nn.data.TimeMachine}) with its {@link dev.spool.nn.data.Vocab}.
 *
 * <pre>{@code
 * TimeMachine data = TimeMachine.bundled(35);   // the bundled text, 35-step sequences
 * Vocab vocab = data.vocab();
 * }</pre>
 */
package dev.spool.nn.data;
