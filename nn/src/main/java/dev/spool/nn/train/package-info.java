/**
 * Training: optimizers ({@link dev.spool.nn.train.Sgd}, {@link dev.spool.nn.train.Adam}, both
 * {@link dev.spool.nn.train.Optimizer}s), {@link dev.spool.nn.train.GradientClipping},
 * PyTorch's default initialisation ({@link dev.spool.nn.train.Initializer}) and
 * {@link dev.spool.nn.train.TrainingStep}, which runs a gradient graph, clips and updates the
 * parameters in one call.
 *
 * <pre>{@code
 * import dev.spool.backend.cpu.CpuBackend;
 * import dev.spool.nn.train.Sgd;
 * import dev.spool.nn.train.TrainingStep;
 * import dev.spool.ops.Grad;
 *
 * Graph train = Grad.of(loss, "loss", List.of("w", "b"));
 * var step = new TrainingStep(CpuBackend.compile(train)::run, params, new Sgd(0.5, 0.9, 0), 1.0);
 * TrainingStep.Result r = step.run(Map.of("x", x, "y", y));   // updates params in place
 * }</pre>
 */
package dev.spool.nn.train;
