package org.flows4j.tf.layers;

import org.flows4j.api.Shape;
import org.flows4j.api.transform.AdditiveTransform;
import org.flows4j.api.transform.AffineTransform;
import org.flows4j.api.transform.CouplingTransform;
import org.flows4j.api.transform.MixtureOfLogisticsTransform;
import org.flows4j.api.transform.RationalQuadraticSpline;
import org.tensorflow.types.family.TFloating;

/**
 * The registration of compiled elementwise transforms: one line per {@link CouplingTransform} subtype. This is the
 * only place a new transform is added on the TensorFlow side; {@code SealedDispatchTest} fails when a permitted
 * subtype has no line here.
 */
public final class ElementwiseTransforms {
  private ElementwiseTransforms() {}

  /**
   * The compiled transform for {@code spec}, on a transformed part of shape {@code part} (per example).
   *
   * @throws IllegalArgumentException for a transform with no compiled class
   */
  static <T extends TFloating> ElementwiseTransform<T> create(CouplingTransform spec, Shape part, Class<T> type) {
    // Java 17 has no pattern switch; keep this chain in the order of CouplingTransform's permits clause.
    if (spec instanceof AdditiveTransform) {
      return new AdditiveElementwise<>(type);
    } else if (spec instanceof AffineTransform affine) {
      return new AffineElementwise<>(affine, part, type);
    } else if (spec instanceof MixtureOfLogisticsTransform mixture) {
      return new MixtureLogisticsElementwise<>(mixture, part, type);
    } else if (spec instanceof RationalQuadraticSpline spline) {
      return new SplineElementwise<>(spline, part, type);
    }
    throw new IllegalArgumentException("no compiled transform for " + spec);
  }
}
