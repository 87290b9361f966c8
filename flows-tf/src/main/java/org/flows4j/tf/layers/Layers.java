package org.flows4j.tf.layers;

import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.CouplingStep;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.Reverse;
import org.flows4j.api.step.Shuffle;
import org.flows4j.api.step.Squeeze;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.residual.ResidualLayer;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TFloating;

/** Builds the layer for a step spec. {@link FactorOut} is not a layer: the compiled flow routes it. */
public final class Layers {
  private Layers() {}

  /**
   * Compiles one step whose input has shape {@code input}; variables are created under {@code tf}'s scope.
   *
   * @throws IllegalArgumentException for {@link FactorOut}, which the flow handles itself
   */
  public static <T extends TFloating> Layer<T> create(
      Ops tf, StepSpec step, Shape input, Parameters<T> parameters) {
    return create(tf, step, input, 0, parameters);
  }

  /**
   * Compiles one step of a conditional flow: conditioners of couplings get {@code conditionFeatures} more input
   * features, the condition of {@link org.flows4j.tf.PassContext}; MADEs take it through an unmasked kernel,
   * PixelCNNs and residual branches as a learned per-example bias in every layer.
   */
  public static <T extends TFloating> Layer<T> create(
      Ops tf, StepSpec step, Shape input, int conditionFeatures, Parameters<T> parameters) {
    // Java 17 has no pattern switch; keep this chain in the order of StepSpec's permits clause.
    if (step instanceof ActNorm actNorm) {
      return new ActNormLayer<>(tf, actNorm, input, parameters);
    } else if (step instanceof CouplingStep coupling) {
      return new CouplingLayer<>(tf, coupling, input, conditionFeatures, parameters);
    } else if (step instanceof InvertibleConv1x1 conv) {
      Conv1x1 parameterization = conv.parameterization();
      if (parameterization == Conv1x1.PLAIN) {
        return new PlainConv1x1Layer<>(tf, conv, input, parameters);
      } else if (parameterization == Conv1x1.QR) {
        return new QrConv1x1Layer<>(tf, conv, input, parameters);
      }
      return new LuConv1x1Layer<>(tf, conv, input, parameters);
    } else if (step instanceof Reverse || step instanceof Shuffle) {
      return new PermutationLayer<>(step, input, parameters.type());
    } else if (step instanceof Squeeze squeeze) {
      return new SqueezeLayer<>(squeeze, input, parameters.type());
    } else if (step instanceof ResidualBlock block) {
      return new ResidualLayer<>(tf, block, input, conditionFeatures, parameters);
    } else if (step instanceof MaskedAutoregressive autoregressive) {
      // Validation pairs images with pixelCnn and vectors with an mlp (a MADE).
      return autoregressive.conditioner() instanceof PixelCnnConditioner
          ? new PixelCnnAutoregressiveLayer<>(tf, autoregressive, input, conditionFeatures, parameters)
          : new MaskedAutoregressiveLayer<>(tf, autoregressive, input, conditionFeatures, parameters);
    } else if (step instanceof EmergingConv emerging) {
      return new EmergingConvLayer<>(tf, emerging, input, parameters);
    } else if (step instanceof PeriodicConv periodic) {
      return new PeriodicConvLayer<>(tf, periodic, input, parameters);
    } else if (step instanceof FactorOut) {
      throw new IllegalArgumentException("factorOut is routed by the compiled flow, not compiled as a layer");
    }
    throw new IllegalArgumentException("no layer for step " + step);
  }
}
