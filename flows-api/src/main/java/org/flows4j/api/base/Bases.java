package org.flows4j.api.base;

/** Factories for base distributions. */
public final class Bases {
  private Bases() {}

  /** N(0, I): the default of every flow builder. */
  public static StandardNormal standardNormal() {
    return new StandardNormal();
  }

  /** A Gaussian with a learned mean and scale per latent scalar, starting at N(0, I). */
  public static DiagonalGaussian diagonalGaussian() {
    return new DiagonalGaussian();
  }

  /** The standard logistic per scalar, NICE's prior. */
  public static StandardLogistic standardLogistic() {
    return new StandardLogistic();
  }
}
