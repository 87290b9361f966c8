package org.flows4j.tf.layers;

import com.google.common.base.Preconditions;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/**
 * MAF on an image {@code [h, w, c]}: {@code z = a(x; PixelCNN(x))} with the affine map of
 * {@link AffineElementwise} (validation allows only the affine map on images), the pixels visited in raster order
 * (row by row, left to right; {@code reversed()} is the same on the image turned by 180°). The shift and scale of
 * pixel p depend on every channel of the pixels before p and on nothing of p itself ({@link PixelCnnNet}), so the
 * Jacobian is block lower triangular in raster order with diagonal blocks {@code diag(s_p)}: log-det
 * {@code Σ log s}, exact.
 *
 * <ul>
 *   <li>Forward (density): one network evaluation.
 *   <li>Inverse (sampling): {@code x = a⁻¹(z; PixelCNN(x))}, solved in a functional while loop with every layer's
 *       features cached, one wavefront of pixels per iteration, each pixel's features computed once from its
 *       neighbourhood ({@link PixelCnnCachedInverse}); all of a pixel's channels are set at once. The loop's result
 *       carries no gradient; the inverse log-det is {@code −Σ log s} from one more network pass over the solved x.
 * </ul>
 *
 * IAF on images is rejected by validation: its density pass would be the loop, which carries no gradient.
 *
 * <p>In a conditional flow the PixelCNN is conditional as van den Oord et al.'s: the pass's condition enters every
 * layer as a learned per-example bias ({@link PixelCnnContext}), in the density pass and in the cached inverse alike.
 */
final class PixelCnnAutoregressiveLayer<T extends TFloating> extends AbstractLayer<T, MaskedAutoregressive> {
  private final int height;
  private final int width;
  private final int channels;
  private final boolean reversed;
  private final PixelCnnNet<T> net;
  private final ElementwiseTransform<T> affine;
  private final PixelCnnCachedInverse<T> inverse;
  /** The context's projections in a conditional flow; null otherwise. */
  private final @Nullable PixelCnnContext<T> contextTerms;

  PixelCnnAutoregressiveLayer(Ops tf, MaskedAutoregressive spec, Shape shape, int conditionFeatures,
      Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    Preconditions.checkArgument(spec.direction() == AutoregressiveDirection.MAF,
        "only MAF is compiled on images (validation rejects IAF), but the step is %s", spec);
    Preconditions.checkArgument(spec.order().kind() != AutoregressiveOrder.Kind.RANDOM,
        "images are visited in raster order (validation rejects random orders), but the step is %s", spec);
    this.height = shape.dim(0);
    this.width = shape.dim(1);
    this.channels = shape.dim(2);
    this.reversed = spec.order().kind() == AutoregressiveOrder.Kind.REVERSED;
    this.net = new PixelCnnNet<>(tf, (PixelCnnConditioner) spec.conditioner(), channels, parameters.in("pixelcnn"));
    this.affine = ElementwiseTransforms.create(spec.transform(), shape, type);
    this.inverse = new PixelCnnCachedInverse<>(height, width, channels, net, affine, type);
    List<Integer> widths = new java.util.ArrayList<>(java.util.Collections.nCopies(net.layers(), net.width()));
    widths.add(2 * channels);
    // Created after the network, so an unconditional step keeps its weights and their seeds.
    this.contextTerms = conditionFeatures == 0 ? null
        : new PixelCnnContext<>(tf, conditionFeatures, widths, parameters.in("pixelcnn"));
  }

  /** The network's weights, with the context's term in every layer's bias in a conditional flow. */
  private List<Operand<T>> weights(Ops tf, PassContext<T> pass) {
    List<Operand<T>> weights = net.weights(tf);
    if (contextTerms == null) {
      return weights;
    }
    Operand<T> condition = pass.condition();
    if (condition == null) {
      throw new IllegalArgumentException("this PixelCNN step belongs to a conditional flow: pass its condition "
          + "[batch, features] in the PassContext");
    }
    return contextTerms.addTo(tf, weights, condition);
  }

  /** The image in visiting order: as is, or turned by 180° (the turn is its own inverse). */
  private Operand<T> visiting(Ops tf, Operand<T> image) {
    return reversed ? tf.reverse(image, tf.constant(new int[] {1, 2})) : image;
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> u = visiting(tf, x);
    ElementwiseTransform.Elementwise<T> out = affine.forward(tf, u, net.apply(tf, u, weights(tf, context)));
    return new Transformed<>(visiting(tf, out.value()), Tensors.sumPerExample(tf, out.logDerivative(), 3));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    List<Operand<T>> weights = weights(tf, context);
    Operand<T> x = inverse.solve(tf, visiting(tf, z), weights);
    // −Σ log s with s from the solved x: the log-derivative of a⁻¹ at the same parameters.
    ElementwiseTransform.Elementwise<T> back = affine.inverse(tf, x, net.apply(tf, x, weights));
    return new Transformed<>(visiting(tf, x), Tensors.sumPerExample(tf, back.logDerivative(), 3));
  }

  @Override
  public List<Variable<T>> variables() {
    if (contextTerms == null) {
      return net.variables();
    }
    List<Variable<T>> all = new java.util.ArrayList<>(net.variables());
    all.addAll(contextTerms.variables());
    return all;
  }
}
