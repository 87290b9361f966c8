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

  /** Number of scalars in one example. */
  public int size() {
    int n = 1;
    for (int d : dims) {
      n *= d;
    }
    return n;
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
