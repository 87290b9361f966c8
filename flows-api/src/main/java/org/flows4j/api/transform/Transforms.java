package org.flows4j.api.transform;

import org.flows4j.api.step.AffineScale;

/** The coupling transforms, for {@code coupling(mask, conditioner, transform)}; meant for static import. */
public final class Transforms {
  private Transforms() {}

  /** NICE's {@code y = x + t}. */
  public static AdditiveTransform additive() {
    return new AdditiveTransform();
  }

  /** RealNVP's {@code y = x·s + t} with the log-scale soft-clamped to (-2, 2). */
  public static AffineTransform affine() {
    return affine(AffineScale.expSoftClamp(2.0));
  }

  /** The affine transform with the given scale form. */
  public static AffineTransform affine(AffineScale scale) {
    return new AffineTransform(scale);
  }

  /** Flow++'s mixture of {@code components} logistics, with the default bound and bisection settings. */
  public static MixtureOfLogisticsTransform mixtureLogistics(int components) {
    return new MixtureOfLogisticsTransform(components);
  }

  /**
   * The monotone rational-quadratic spline of Neural Spline Flows with its defaults: 8 bins on [-3, 3], minimum bin
   * width, height and derivative 1e-3 (see {@link RationalQuadraticSpline}); change them with its named copies,
   * {@code spline().bins(10).bound(5)}.
   */
  public static RationalQuadraticSpline spline() {
    return RationalQuadraticSpline.defaults();
  }
}
