package org.flows4j.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * The shape of one example, without the batch dimension: {@code [d]} for vectors, {@code [height, width, channels]}
 * for images (NHWC, TensorFlow's CPU layout).
 */
public record Shape(List<Integer> dims) {
  /**
   * The most values one example may have: {@code 2^31 − 1}, what a Java array and an {@code int} index hold.
   * Products of dimensions are computed in {@code long}, so a larger shape is refused rather than wrapped around.
   */
  public static final long MAX_SIZE = Integer.MAX_VALUE;

  public Shape {
    dims = ImmutableList.copyOf(dims);
    if (dims.isEmpty()) {
      throw new IllegalArgumentException("A shape needs at least one dimension, but got []");
    }
    for (int i = 0; i < dims.size(); i++) {
      if (dims.get(i) <= 0) {
        throw new IllegalArgumentException(
            "Shape dimensions must be positive, but dims[" + i + "] was " + dims.get(i) + " in " + dims);
      }
    }
    long size = 1;
    for (int d : dims) {
      size *= d; // cannot overflow a long before passing MAX_SIZE: each factor is below 2^31
      if (size > MAX_SIZE) {
        throw new IllegalArgumentException("Shape " + dims + " has " + product(dims) + " values per example, more "
            + "than the " + MAX_SIZE + " (2^31 - 1) a shape can hold");
      }
    }
  }

  /** The product of {@code dims}, exact (as a decimal string, since it may exceed a long). */
  private static String product(List<Integer> dims) {
    java.math.BigInteger product = java.math.BigInteger.ONE;
    for (int d : dims) {
      product = product.multiply(java.math.BigInteger.valueOf(d));
    }
    return product.toString();
  }

  public static Shape of(int... dims) {
    ImmutableList.Builder<Integer> list = ImmutableList.builder();
    for (int d : dims) {
      list.add(d);
    }
    return new Shape(list.build());
  }

  // DELEGATING: JSON holds the bare list [28, 28, 1], mirroring @JsonValue; spelled out so Jackson never guesses.
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static Shape copyOf(List<Integer> dims) {
    return new Shape(dims);
  }

  @JsonValue
  public List<Integer> toList() {
    return dims;
  }

  public int rank() {
    return dims.size();
  }

  public int dim(int axis) {
    return dims.get(axis);
  }

  /** Number of scalars in one example; at most {@link #MAX_SIZE}, checked when the shape was made. */
  public int size() {
    long n = 1;
    for (int d : dims) {
      n *= d;
    }
    return Math.toIntExact(n);
  }

  public boolean isImage() {
    return dims.size() == 3;
  }

  public boolean isVector() {
    return dims.size() == 1;
  }

  /** The feature axis: the last one (channels for images). */
  public int features() {
    return dims.get(dims.size() - 1);
  }

  public Shape withFeatures(int features) {
    ImmutableList.Builder<Integer> list = ImmutableList.builder();
    list.addAll(dims.subList(0, dims.size() - 1)).add(features);
    return new Shape(list.build());
  }

  public int[] toArray() {
    return dims.stream().mapToInt(Integer::intValue).toArray();
  }

  @Override
  public String toString() {
    return dims.toString();
  }
}
