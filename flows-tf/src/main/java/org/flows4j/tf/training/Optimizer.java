package org.flows4j.tf.training;

/** The update rule, both through TensorFlow's fused kernels. */
public enum Optimizer {
  /** Adam (Kingma &amp; Ba 2015): {@code ApplyAdam}. */
  ADAM,
  /** Adamax, Adam's infinity-norm variant, used by Glow and Flow++: {@code ApplyAdaMax}. */
  ADAMAX
}
