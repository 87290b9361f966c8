package org.flows4j.api.transform;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;

/**
 * The elementwise bijection a coupling applies to each transformed scalar, {@code y = τ(x; θ)}, with θ computed by
 * the conditioner from the passing part (zuko's "univariate transform", nflows' "transform" of a coupling). The
 * coupling derives the conditioner's output size from {@link #parametersPerScalar()}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = AdditiveTransform.class, name = "additive"),
  @JsonSubTypes.Type(value = AffineTransform.class, name = "affine"),
  @JsonSubTypes.Type(value = MixtureOfLogisticsTransform.class, name = "mixtureLogistics"),
  @JsonSubTypes.Type(value = RationalQuadraticSpline.class, name = "rationalQuadraticSpline"),
})
public sealed interface CouplingTransform
    permits AdditiveTransform, AffineTransform, MixtureOfLogisticsTransform, RationalQuadraticSpline {
  /** The transform's name, as in JSON ({@code affine}). */
  String kind();

  /** How many values the conditioner computes for each transformed scalar. */
  int parametersPerScalar();

  /** What kind of log-determinant the coupling gets with this transform. */
  LogDetKind logDetKind();

  /** Whether the transform's inverse is closed-form or iterative. */
  InverseKind inverseKind();
}
