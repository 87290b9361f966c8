package org.flows4j.tf.gradients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flows4j.tf.gradients.GradientFiniteDifferenceTest.f64;
import static org.flows4j.tf.gradients.TfTestSupport.eval;

import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

class SafeGradientsTest {

  @Test
  void stopGradientPathGivesZerosOfTheRightShape() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(new double[][] {{1, 2}, {3, 4}});
      Operand<TFloat64> y = tf.sum(tf.math.square(tf.stopGradient(x)), tf.constant(new int[] {0, 1}));
      List<Operand<?>> gs = SafeGradients.gradientsOrZeros(tf, y, List.of(x), tf.constant(1.0));
      assertThat(gs.get(0).shape().asArray()).containsExactly(2, 2);
      assertThat(eval(s, gs.get(0)).get(0)).containsExactly(0, 0, 0, 0);
    }
  }

  @Test
  void unreachableAndIntegerPathsGiveZerosInOrder() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> a = tf.constant(new double[] {1, 2, 3});
      Operand<TFloat64> unreachable = tf.constant(new double[] {5, 6});
      Operand<TFloat64> stopped = tf.constant(new double[] {7, 8, 9});
      Operand<TFloat64> viaShape = tf.constant(new double[] {1, 1, 1, 1});
      Operand<TFloat64> size = tf.dtypes.cast(tf.shape(viaShape), TFloat64.class); // integer path: no gradient
      Operand<TFloat64> y =
          tf.math.add(
              tf.math.add(tf.sum(tf.math.square(a), tf.constant(0)), tf.sum(tf.stopGradient(stopped), tf.constant(0))),
              tf.sum(size, tf.constant(0)));
      List<Operand<?>> gs =
          SafeGradients.gradientsOrZeros(tf, y, List.of(a, unreachable, stopped, viaShape), tf.constant(1.0));
      List<double[]> v = eval(s, gs.toArray(Operand<?>[]::new));
      assertThat(v.get(0)).containsExactly(2, 4, 6);
      assertThat(v.get(1)).containsExactly(0, 0);
      assertThat(v.get(2)).containsExactly(0, 0, 0);
      assertThat(v.get(3)).containsExactly(0, 0, 0, 0);
    }
  }

  @Test
  void allUnreachableDoesNotCallTensorFlow() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(new double[] {1, 2});
      List<Operand<?>> gs = SafeGradients.gradientsOrZeros(tf, tf.constant(3.0), List.of(x));
      assertThat(eval(s, gs.get(0)).get(0)).containsExactly(0, 0);
    }
  }

  @Test
  void variantWithoutDyUsesOnesAndNoOnesLike() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(new double[] {1, 2, 3});
      Operand<TFloat64> y = tf.math.mul(tf.math.square(x), tf.constant(0.5)); // vector y: dy = ones
      Operand<?> d = SafeGradients.gradientsOrZeros(tf, y, List.of(x)).get(0);
      Iterator<GraphOperation> ops = g.operations();
      while (ops.hasNext()) {
        assertThat(ops.next().type()).isNotEqualTo("OnesLike");
      }
      // differentiate again (native gradients such as SumGrad do add OnesLike on integer paths; it is registered)
      Operand<?> dd = SafeGradients.gradientsOrZeros(tf, f64(d), List.of(x)).get(0);
      List<double[]> v = eval(s, d, dd);
      assertThat(v.get(0)).containsExactly(1, 2, 3);
      assertThat(v.get(1)).containsExactly(1, 1, 1);
    }
  }
}
