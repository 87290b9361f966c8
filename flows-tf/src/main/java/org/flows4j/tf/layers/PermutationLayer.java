package org.flows4j.tf.layers;

import java.util.List;
import java.util.SplittableRandom;
import org.flows4j.api.Shape;
import org.flows4j.api.step.Reverse;
import org.flows4j.api.step.Shuffle;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.family.TFloating;

/** A fixed permutation of the feature axis (reverse, or a seeded shuffle); volume preserving. */
final class PermutationLayer<T extends TFloating> extends AbstractLayer<T, StepSpec> {
  private final Shape shape;
  private final int[] permutation;
  private final int[] inversePermutation;

  PermutationLayer(StepSpec spec, Shape shape, Class<T> type) {
    super(spec, shape, type);
    this.shape = shape;
    int n = shape.features();
    if (spec instanceof Shuffle shuffle) {
      this.permutation = shuffled(n, shuffle.seed());
    } else if (spec instanceof Reverse) {
      this.permutation = reversed(n);
    } else {
      throw new IllegalArgumentException("not a permutation step: " + spec);
    }
    this.inversePermutation = new int[n];
    for (int i = 0; i < n; i++) {
      inversePermutation[permutation[i]] = i;
    }
  }

  private static int[] reversed(int n) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = n - 1 - i;
    }
    return p;
  }

  /** Fisher–Yates with the spec's own seed, so the permutation is part of the spec, not of the compile seed. */
  private static int[] shuffled(int n, long seed) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    SplittableRandom random = new SplittableRandom(seed);
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }




  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    return new Transformed<>(gather(tf, x, permutation), Tensors.zerosPerExample(tf, x, type));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> y, PassContext<T> context) {
    return new Transformed<>(gather(tf, y, inversePermutation), Tensors.zerosPerExample(tf, y, type));
  }

  private Operand<T> gather(Ops tf, Operand<T> x, int[] indices) {
    return tf.gather(x, tf.constant(indices), tf.constant(shape.rank()));
  }

  @Override
  public List<Variable<T>> variables() {
    return List.of();
  }
}
