package org.flows4j.tf;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.tf.layers.Layer;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/**
 * A flow compiled into a TensorFlow graph. Its variables live in that graph; every method emits new ops (so the
 * same flow serves the training graph, evaluation and export signatures) and takes the {@link Ops} to emit them
 * with, as TensorFlow Java's own ops do.
 *
 * <p>Latents are flat: {@code [batch, D]} with D the size of one example. Parts factored out by multi-scale
 * levels come first, in the order they leave the flow, then the output of the last step.
 */
public interface CompiledFlow<T extends TFloating> {
  FlowSpec spec();

  Class<T> type();

  /** D: the number of scalars in one example, and in its latent. */
  int latentDimension();

  /**
   * The compiled steps in application order, each with where it sits in the spec, without the factor-outs (which
   * are routing, not bijections).
   */
  List<CompiledStep<T>> steps();

  /** The layers of {@link #steps()}, in order. */
  default List<Layer<T>> layers() {
    return steps().stream().map(CompiledStep::layer).collect(ImmutableList.toImmutableList());
  }

  /** Data → latent: {@code z [batch, D]} and {@code log|det ∂z/∂x|} per example (training estimators). */
  default Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x) {
    return forwardAndLogDet(tf, x, FlowMode.TRAINING);
  }

  /** Data → latent with the estimators of {@code mode}. */
  default Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, FlowMode mode) {
    return forwardAndLogDet(tf, x, PassContext.of(mode));
  }

  /**
   * Data → latent with a full pass context: the mode, the condition of a conditional flow, and in the
   * data-dependent initialisation pass the collector of its assignments.
   */
  Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context);

  /** Latent → data: {@code x [batch, ...shape]} and {@code log|det ∂x/∂z|} per example (evaluation estimators). */
  default Transformed<T> inverse(Ops tf, Operand<T> z) {
    return inverse(tf, z, PassContext.evaluation());
  }

  /**
   * Latent → data with a full pass context; for a conditional flow it must carry the condition of the forward pass
   * being inverted.
   */
  Transformed<T> inverse(Ops tf, Operand<T> z, PassContext<T> context);

  /**
   * {@code pass} with the condition computed from the raw context {@code c} ({@code [batch, width]}: the features,
   * or the class index as a number) of a conditional flow, for {@link #forwardAndLogDet(Ops, Operand, PassContext)}
   * and {@link #inverse(Ops, Operand, PassContext)}.
   *
   * @throws IllegalArgumentException if the spec declares no context
   */
  PassContext<T> withContext(Ops tf, Operand<T> c, PassContext<T> pass);

  /** {@code log p(x | c)} per example with the estimators of {@code mode}, for a conditional flow. */
  default Operand<T> logProb(Ops tf, Operand<T> x, Operand<T> c, FlowMode mode) {
    return logProb(tf, x, withContext(tf, c, PassContext.of(mode)));
  }

  /** {@code log p(x) = log p_base(z) + log|det ∂z/∂x|} per example, in nats (training estimators). */
  default Operand<T> logProb(Ops tf, Operand<T> x) {
    return logProb(tf, x, FlowMode.TRAINING);
  }

  /** {@code log p(x)} per example with the estimators of {@code mode}. */
  default Operand<T> logProb(Ops tf, Operand<T> x, FlowMode mode) {
    return logProb(tf, x, PassContext.of(mode));
  }

  /** {@code log p(x)} per example with a full pass context. */
  Operand<T> logProb(Ops tf, Operand<T> x, PassContext<T> context);

  /**
   * The flow's random seed, {@code [2]} int64: a placeholder with a default. Feed a new value per batch so
   * stochastic estimators draw fresh noise; leave it unfed for reproducible figures.
   */
  Operand<TInt64> randomSeed();

  /**
   * One op refreshing every layer's normalisation state (spectral norms); a no-op when there is none. The cheap
   * version runs after each optimizer step; the {@code thorough} one at start-up and before evaluation.
   */
  Op normalizationUpdate(Ops tf, boolean thorough);

  /** The cheap normalisation update. */
  default Op normalizationUpdate(Ops tf) {
    return normalizationUpdate(tf, false);
  }

  /**
   * {@code n} samples with the base's spread scaled by {@code temperature} (a scalar); the same seed
   * ({@code [2]} int64) gives the same samples: rows {@code [0, n)} of {@link #sampleRows}.
   */
  default Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed) {
    return sampleRows(tf, n, temperature, seed, tf.constant(0L));
  }

  /** {@code n} samples of {@code p(x | c)}, row i drawn for the context {@code c[i]} ({@code c} has n rows). */
  default Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> c, Operand<T> temperature, Operand<TInt64> seed) {
    return sampleRows(tf, n, c, temperature, seed, tf.constant(0L));
  }

  /**
   * Rows {@code [firstRow, firstRow + n)} of the samples {@code seed} defines: the base draws those rows of the
   * seed's stream ({@link Seeds#normalRows}), so chunks of any size concatenate to the samples of one call. Exactly
   * so for flows with analytic inverses; an iterative inverse (residual blocks, Flow++ couplings) stops on a
   * batch-wide criterion, so there rows agree within the inverse's tolerance.
   *
   * @param firstRow int64 scalar, at least 0
   */
  Operand<T> sampleRows(
      Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed, Operand<TInt64> firstRow);

  /** {@link #sampleRows(Ops, Operand, Operand, Operand, Operand)} of {@code p(x | c)}; {@code c} has n rows. */
  Operand<T> sampleRows(Ops tf, Operand<TInt32> n, Operand<T> c, Operand<T> temperature, Operand<TInt64> seed,
      Operand<TInt64> firstRow);

  /**
   * {@link #sample(Ops, Operand, Operand, Operand)} with a plain {@code long} seed, turned into the {@code [2]} int64
   * pair by {@link Seeds#statelessSeed(Ops, long)}, exactly as the exported {@code sample} signature turns its scalar seed,
   * so a seed gives the same samples here as from {@code FlowModel.sample} on the same weights. Samples are the
   * flow's output, before {@code LikelihoodModel} undoes the logit and quantises.
   */
  default Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, long seed) {
    return sample(tf, n, temperature, Seeds.statelessSeed(tf, seed));
  }

  /**
   * The data-dependent initialisation (ActNorm) on the batch {@code x}: one op that sets every such layer from the
   * statistics of its own input and marks it initialised. Run it once, before training, while
   * {@link #initialized} is false.
   */
  Op dataInitialization(Ops tf, Operand<T> x);

  /** The data-dependent initialisation of a conditional flow, on the batch {@code x} with contexts {@code c}. */
  Op dataInitialization(Ops tf, Operand<T> x, Operand<T> c);

  /** True when every data-initialised layer has been initialised (or there is none). */
  Operand<TBool> initialized(Ops tf);

  /**
   * This flow's trainable variables (its steps' and its base's), in a stable order. A variational dequantizer
   * compiled with it is not part of the flow: {@link LikelihoodModel#trainableVariables()} has every variable.
   */
  List<Variable<T>> trainableVariables();

  /** This flow's non-trainable state saved with the weights (ActNorm's flags, power-iteration vectors). */
  List<Variable<?>> stateVariables();

  /**
   * The trainable variables that belong to no step, by what they are: the context embedding, each learned
   * factor-out prior (named by its step, {@code levels[0].steps[3] (factorOut) prior}) and the class-conditional
   * top prior. Training names these groups when their gradients turn non-finite, instead of blaming the base.
   */
  default java.util.Map<String, List<Variable<T>>> auxiliaryVariableGroups() {
    return java.util.Map.of();
  }
}
