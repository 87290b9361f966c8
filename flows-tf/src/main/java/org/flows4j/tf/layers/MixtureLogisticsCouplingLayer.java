package org.flows4j.tf.layers;

import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.SplitV;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * Flow++'s mixture-of-logistics coupling: the conditioner reads the passing part and gives, for every transformed
 * scalar, {@code K} mixture logits, {@code K} means, {@code K} log-scales, a log-scale {@code a} and a shift
 * {@code b}; {@link MixtureLogisticsTransform} maps the scalar. Log-det summed per example. The inverse is iterative
 * (bisection); its output carries no gradient.
 *
 * <p>With all parameters zero (a fresh zero-initialised conditioner, or checkerboard positions that pass through)
 * the transform is {@code σ⁻¹(σ(x)) = x} analytically; for the checkerboard the passing positions are also blended
 * back exactly ({@code x} itself, log-det 0), so rounding in {@code σ⁻¹(σ(x))} never touches them.
 */
final class MixtureLogisticsCouplingLayer<T extends TFloating> extends ConditionedLayer<T, MixtureLogisticsCoupling> {
  private final MixtureLogisticsCoupling spec;
  private final Shape shape;
  private final CouplingMask<T> mask;
  private final ConditionerNet<T> net;
  private final boolean checkerboard;
  /** Per-example dims of the transformed part; the conditioner output is reshaped to these plus {@code 3K + 2}. */
  private final int[] partDims;

  MixtureLogisticsCouplingLayer(Ops tf, MixtureLogisticsCoupling spec, Shape shape, int conditionFeatures,
      Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    this.spec = spec;
    this.shape = shape;
    this.mask = CouplingMask.create(tf, spec.mask(), shape, type);
    this.net = ConditionerNet.create(tf, spec.conditioner(), shape, mask.conditionerInFeatures() + conditionFeatures,
        spec.parametersPerScalar() * mask.transformedFeatures(), parameters);
    this.checkerboard = spec.mask() == Mask.CHECKERBOARD || spec.mask() == Mask.CHECKERBOARD_FLIPPED;
    this.partDims = new int[shape.rank()];
    for (int i = 0; i < shape.rank(); i++) {
      partDims[i] = shape.dim(i);
    }
    partDims[shape.rank() - 1] = mask.transformedFeatures();
  }

  /** The mixture parameters for the transformed part, zero where the mask passes the input through. */
  private MixtureLogisticsTransform.Mixture<T> mixture(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> raw = mask.maskParameters(tf, net.apply(tf, mask.conditionerInput(tf, x), context));
    int k = spec.components();
    int[] perScalar = new int[partDims.length + 1];
    System.arraycopy(partDims, 0, perScalar, 0, partDims.length);
    perScalar[partDims.length] = spec.parametersPerScalar();
    // [batch, ..., features, 3K + 2]: the values for one scalar are contiguous.
    Operand<T> grouped = tf.reshape(raw, Tensors.batchShape(tf, perScalar));
    SplitV<T> split = tf.splitV(grouped, tf.constant(new int[] {k, k, k, 1, 1}), tf.constant(-1), 5L);
    List<org.tensorflow.Output<T>> parts = split.output();
    Operand<T> logA = tf.reshape(parts.get(3), Tensors.batchShape(tf, partDims));
    Operand<T> bound = Tensors.scalar(tf, spec.logScaleBound(), type);
    logA = tf.math.mul(bound, tf.math.tanh(tf.math.div(logA, bound)));
    Operand<T> shift = tf.reshape(parts.get(4), Tensors.batchShape(tf, partDims));
    return new MixtureLogisticsTransform.Mixture<>(parts.get(0), parts.get(1), parts.get(2), logA, shift);
  }

  /** {@code 1} on transformed positions, {@code 0} on passing ones (checkerboard only), shaped like the part. */
  private Operand<T> transformedIndicator(Ops tf) {
    long[] dims = new long[partDims.length + 1];
    dims[0] = 1;
    int size = 1;
    for (int i = 0; i < partDims.length; i++) {
      dims[i + 1] = partDims[i];
      size *= partDims[i];
    }
    double[] ones = new double[size];
    java.util.Arrays.fill(ones, 1.0);
    return mask.maskParameters(tf, Tensors.constant(tf, ones, dims, type));
  }

  /** Keeps passing positions exactly (checkerboard): {@code ind·new + (1 − ind)·old}, log-det {@code ind·ld}. */
  private MixtureLogisticsTransform.Elementwise<T> blend(
      Ops tf, Operand<T> old, Operand<T> value, Operand<T> logDet) {
    if (!checkerboard) {
      return new MixtureLogisticsTransform.Elementwise<>(value, logDet);
    }
    Operand<T> ind = transformedIndicator(tf);
    Operand<T> kept = tf.math.mul(tf.math.sub(Tensors.scalar(tf, 1.0, type), ind), old);
    return new MixtureLogisticsTransform.Elementwise<>(
        tf.math.add(tf.math.mul(ind, value), kept), tf.math.mul(ind, logDet));
  }

  @Override
  public Transformed<T> forward(Ops tf, Operand<T> x, PassContext<T> context) {
    MixtureLogisticsTransform.Mixture<T> mixture = mixture(tf, x, context);
    Operand<T> part = mask.transformedPart(tf, x);
    MixtureLogisticsTransform.Elementwise<T> out = MixtureLogisticsTransform.forward(tf, part, mixture, type);
    MixtureLogisticsTransform.Elementwise<T> kept = blend(tf, part, out.value(), out.logDet());
    return new Transformed<>(mask.merge(tf, x, kept.value()), Tensors.sumPerExample(tf, kept.logDet(), shape.rank()));
  }

  @Override
  public Transformed<T> inverse(Ops tf, Operand<T> y, PassContext<T> context) {
    // The passing part of y equals that of x, so the conditioner sees the same input as in forward.
    MixtureLogisticsTransform.Mixture<T> mixture = mixture(tf, y, context);
    Operand<T> part = mask.transformedPart(tf, y);
    MixtureLogisticsTransform.Inversion<T> out = MixtureLogisticsTransform.inverse(
        tf, part, mixture, type, spec.inverseTolerance(), spec.maxIterations());
    MixtureLogisticsTransform.Elementwise<T> kept = blend(tf, part, out.value(), out.logDet());
    return new Transformed<>(mask.merge(tf, y, kept.value()), Tensors.sumPerExample(tf, kept.logDet(), shape.rank()));
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
