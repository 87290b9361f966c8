package org.flows4j.tf;

import java.util.List;
import java.util.Optional;
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

  /** The compiled steps in application order, without the factor-outs (which are routing, not bijections). */
  List<Layer<T>> layers();

  /**
   * Where each of {@link #layers()} sits in the spec, in the DSL's words: {@code steps[3] (affineCoupling)} or
   * {@code levels[0].steps[2] (actNorm)}.
   */
  List<String> layerLocations();

  /**
   * The learned noise {@code q(u | x)} when the spec asks for Flow++'s variational dequantization (its variables
   * are among {@link #trainableVariables()}; {@link LikelihoodModel} uses it); empty otherwise.
   */
  Optional<VariationalDequantizer<T>> dequantizer();

  /** Data → latent: {@code z [batch, D]} and {@code log|det ∂z/∂x|} per example (training estimators). */
  default Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x) {
    return forwardAndLogDet(tf, x, FlowMode.TRAINING);
  }

  /** Data → latent with the estimators of {@code mode}. */
  Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, FlowMode mode);

  /** Latent → data: {@code x [batch, ...shape]} and {@code log|det ∂x/∂z|} per example. */
  Transformed<T> inverse(Ops tf, Operand<T> z);

  /** {@code log p(x) = log p_base(z) + log|det ∂z/∂x|} per example, in nats (training estimators). */
  default Operand<T> logProb(Ops tf, Operand<T> x) {
    return logProb(tf, x, FlowMode.TRAINING);
  }

  /** {@code log p(x)} per example with the estimators of {@code mode}. */
  Operand<T> logProb(Ops tf, Operand<T> x, FlowMode mode);

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
   * ({@code [2]} int64) gives the same samples.
   */
  Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed);

  /**
   * {@link #sample(Ops, Operand, Operand, Operand)} with a plain {@code long} seed, turned into the {@code [2]} int64
   * pair {@code (seed, seed + 0x5DEECE66D)} exactly as the exported {@code sample} signature turns its scalar seed,
   * so a seed gives the same samples here as from {@code FlowModel.sample} on the same weights. Samples are the
   * flow's output, before {@code LikelihoodModel} undoes the logit and quantises.
   */
  default Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, long seed) {
    return sample(tf, n, temperature, tf.constant(new long[] {seed, seed + 0x5DEECE66DL}));
  }

  /**
   * The data-dependent initialisation (ActNorm) on the batch {@code x}: one op that sets every such layer from the
   * statistics of its own input and marks it initialised. Run it once, before training, while
   * {@link #initialized} is false.
   */
  Op dataInitialization(Ops tf, Operand<T> x);

  /** True when every data-initialised layer has been initialised (or there is none). */
  Operand<TBool> initialized(Ops tf);

  /** The variables the optimizer trains, in a stable order. */
  List<Variable<T>> trainableVariables();

  /** Non-trainable state saved with the weights (ActNorm's flags). */
  List<Variable<?>> stateVariables();
}
