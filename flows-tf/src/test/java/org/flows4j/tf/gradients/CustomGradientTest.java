package org.flows4j.tf.gradients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.flows4j.tf.gradients.GradientFiniteDifferenceTest.f64;
import static org.flows4j.tf.gradients.TfTestSupport.eval;
import static org.flows4j.tf.gradients.TfTestSupport.eval1;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

class CustomGradientTest {

  private static final double[] X = {0.5, -1.0, 2.0};

  private static Operand<TFloat64> sum(Ops tf, Operand<TFloat64> v) {
    return tf.sum(tf.reshape(v, tf.constant(new int[] {-1})), tf.constant(0));
  }

  private static Operand<?> grad(Ops tf, Operand<?> y, Operand<?> x) {
    return SafeGradients.gradientsOrZeros(tf, y, List.of(x), tf.constant(1.0)).get(0);
  }

  @Test
  void customFunctionIsUsed() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(X);
      // forward: identity; gradient: doubled
      Operand<TFloat64> y = f64(CustomGradient.identityWithGradient(tf, List.of(x),
          (t, op, up) -> List.of(t.math.mul(f64(up.get(0)), t.constant(2.0)))).get(0));
      Operand<TFloat64> loss = sum(tf, tf.math.square(y)); // d/dy = 2y
      List<double[]> v = eval(s, y, grad(tf, loss, x));
      assertThat(v.get(0)).containsExactly(X);
      for (int i = 0; i < X.length; i++) {
        assertThat(v.get(1)[i]).isCloseTo(4 * X[i], within(1e-12));
      }
    }
  }

  @Test
  void identityNWithoutAttributeHasIdentityGradient() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(X);
      Operand<TFloat64> z = tf.constant(new double[] {3, 4, 5});
      List<Output<?>> out = tf.identityN(List.of(x, z)).output();
      Operand<TFloat64> loss = sum(tf, tf.math.mul(f64(out.get(0)), f64(out.get(1))));
      List<Operand<?>> g2 = SafeGradients.gradientsOrZeros(tf, loss, List.of(x, z), tf.constant(1.0));
      List<double[]> v = eval(s, g2.get(0), g2.get(1));
      assertThat(v.get(0)).containsExactly(3, 4, 5);
      assertThat(v.get(1)).containsExactly(X);
    }
  }

  @Test
  void manyInstancesInOneGraphDispatchToTheirOwnFunction() {
    int n = 25;
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      List<Operand<TFloat64>> xs = new ArrayList<>();
      Operand<TFloat64> total = tf.constant(0.0);
      for (int i = 0; i < n; i++) {
        double scale = i + 1;
        Operand<TFloat64> x = tf.constant(new double[] {i, -i});
        xs.add(x);
        Operand<TFloat64> y = f64(CustomGradient.identityWithGradient(tf, List.of(x),
            (t, op, up) -> List.of(t.math.mul(f64(up.get(0)), t.constant(scale)))).get(0));
        total = tf.math.add(total, sum(tf, y));
      }
      List<Operand<?>> grads = SafeGradients.gradientsOrZeros(tf, total, xs, tf.constant(1.0));
      List<double[]> v = eval(s, grads.toArray(Operand<?>[]::new));
      for (int i = 0; i < n; i++) {
        assertThat(v.get(i)).as("instance %d", i).containsExactly(i + 1, i + 1);
      }
    }
  }

  @Test
  void upstreamOfUnusedOutputsIsZeroAndNullMeansZeros() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> a = tf.constant(X);
      Operand<TFloat64> b = tf.constant(new double[] {7, 8, 9});
      Operand<TFloat64> c = tf.constant(new double[] {1, 1, 1});
      List<Output<?>> out = CustomGradient.identityWithGradient(tf, List.of(a, b, c),
          (t, op, up) -> {
            assertThat(up).hasSize(3);
            // a: pass upstream; b: upstream of an unused output (zeros from TF); c: null → zeros
            return java.util.Arrays.asList(up.get(0), up.get(1), null);
          });
      Operand<TFloat64> loss = sum(tf, tf.math.mul(f64(out.get(0)), tf.constant(new double[] {1, 2, 3})));
      List<Operand<?>> gs = SafeGradients.gradientsOrZeros(tf, loss, List.of(a, b, c), tf.constant(1.0));
      List<double[]> v = eval(s, gs.get(0), gs.get(1), gs.get(2));
      assertThat(v.get(0)).containsExactly(1, 2, 3);
      assertThat(v.get(1)).containsExactly(0, 0, 0);
      assertThat(v.get(2)).containsExactly(0, 0, 0);
    }
  }

  /**
   * The loss reads an estimate, the optimizer gets the gradient of a surrogate: value = stopGradient(estimate), the
   * gradient of x² is precomputed outside the gradient function and used inside it.
   */
  @Test
  void valueAndGradientMayComeFromDifferentTensors() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(X);
      Operand<TFloat64> estimate = tf.math.add(tf.math.mul(tf.math.square(x), x), tf.constant(0.25)); // x³ + 1/4
      Operand<TFloat64> surrogate = tf.math.square(x); // gradient 2x
      Operand<?> surrogateGrad =
          SafeGradients.gradientsOrZeros(tf, surrogate, List.of(x), tf.onesLike(surrogate)).get(0);
      List<Output<?>> out = CustomGradient.identityWithGradient(tf, List.of(tf.stopGradient(estimate), x),
          (t, op, up) -> List.of(t.zerosLike(op.input(0)), t.math.mul(f64(up.get(0)), f64(surrogateGrad))));
      Operand<TFloat64> value = f64(out.get(0));
      Operand<TFloat64> viaHelper = CustomGradient.valueWithGradientOf(tf, estimate, surrogate);

      Operand<TFloat64> w = tf.constant(new double[] {1, 2, 3});
      Operand<?> g1 = grad(tf, sum(tf, tf.math.mul(w, value)), x);
      Operand<?> g2 = grad(tf, sum(tf, tf.math.mul(w, viaHelper)), x);
      List<double[]> v = eval(s, value, viaHelper, estimate, g1, g2);
      assertThat(v.get(0)).containsExactly(v.get(2));
      assertThat(v.get(1)).containsExactly(v.get(2));
      double[] expected = {1 * 2 * X[0], 2 * 2 * X[1], 3 * 2 * X[2]};
      assertThat(v.get(3)).containsExactly(expected);
      assertThat(v.get(4)).containsExactly(expected);
    }
  }

  @Test
  void reloadedGraphFallsBackToIdentityGradient() {
    GraphDef def;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.withName("x").constant(X);
      Output<?> y = CustomGradient.identityWithGradient(tf.withName("node"), List.of(x),
          (t, op, up) -> List.of(t.math.mul(f64(up.get(0)), t.constant(10.0)))).get(0);
      tf.withName("y").identity(f64(y));
      def = g.toGraphDef();
    }
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      g.importGraphDef(def);
      Ops tf = Ops.create(g);
      GraphOperation node = g.operation("y").input(0).op() instanceof GraphOperation o ? o : null;
      assertThat(node).isNotNull();
      assertThat(node.type()).isEqualTo("IdentityN");
      assertThat(node.attributes().getAttrString(CustomGradient.ATTRIBUTE)).isNotEmpty();
      Operand<TFloat64> x = f64(g.operation("x").output(0));
      Operand<TFloat64> y = f64(g.operation("y").output(0));
      double[] v = eval1(s, grad(tf, sum(tf, y), x));
      assertThat(v).containsExactly(1, 1, 1); // identity, not ×10
    }
  }

  @Test
  void failingFunctionFailsTheGradientCallAndLeavesTheGraphUsable() {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(X);
      Operand<TFloat64> y = f64(CustomGradient.identityWithGradient(tf, List.of(x),
          (t, op, up) -> {
            throw new IllegalArgumentException("boom");
          }).get(0));
      Operand<TFloat64> loss = sum(tf, y);
      assertThatThrownBy(() -> SafeGradients.gradientsOrZeros(tf, loss, List.of(x), tf.constant(1.0)))
          .isInstanceOf(IllegalStateException.class)
          .hasRootCauseInstanceOf(IllegalArgumentException.class)
          .hasRootCauseMessage("boom");
      assertThatThrownBy(() -> tf.gradients(loss, List.of(x), Gradients.dx(List.of(tf.constant(1.0)))))
          .isInstanceOf(TensorFlowException.class)
          .hasMessageContaining("Invalid gradient output index");
      // the graph still works: new ops, a session run, and a gradient that does not cross the failing node
      Operand<TFloat64> z = tf.math.mul(x, x);
      Operand<?> dz = grad(tf, sum(tf, z), x);
      List<double[]> v = eval(s, loss, dz);
      assertThat(v.get(0)[0]).isCloseTo(1.5, within(1e-12));
      assertThat(v.get(1)).containsExactly(1.0, -2.0, 4.0);
    }
  }

  @Test
  void wrongNumberOrDtypeOfGradientsIsAnError() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat64> x = tf.constant(X);
      Operand<TFloat64> y1 = f64(CustomGradient.identityWithGradient(tf, List.of(x), (t, op, up) -> List.of())
          .get(0));
      assertThatThrownBy(() -> SafeGradients.gradientsOrZeros(tf, sum(tf, y1), List.of(x), tf.constant(1.0)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("returned 0 operands for 1 inputs");
      Operand<TFloat64> y2 = f64(CustomGradient.identityWithGradient(tf, List.of(x),
          (t, op, up) -> List.of(t.dtypes.cast(up.get(0), TFloat32.class))).get(0));
      assertThatThrownBy(() -> SafeGradients.gradientsOrZeros(tf, sum(tf, y2), List.of(x), tf.constant(1.0)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("dtype");
    }
  }

  @Test
  void releaseDropsTheFunctionsOfAGraph() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      for (int i = 0; i < 3; i++) {
        CustomGradient.identityWithGradient(tf, List.of(tf.constant(1.0)), (t, op, up) -> List.copyOf(up));
      }
      assertThat(CustomGradient.release(g)).isEqualTo(3);
      assertThat(CustomGradient.release(g)).isZero();
    }
  }

  @Test
  void functionsOfClosedGraphsArePurged() {
    try (Graph closed = new Graph()) {
      Ops tf = Ops.create(closed);
      for (int i = 0; i < 10; i++) {
        CustomGradient.identityWithGradient(tf, List.of(tf.constant(1.0)), (t, op, up) -> List.copyOf(up));
      }
    }
    try (Graph open = new Graph()) {
      Ops tf = Ops.create(open);
      int n = 600; // more than two purge periods
      for (int i = 0; i < n; i++) {
        CustomGradient.identityWithGradient(tf, List.of(tf.constant(1.0)), (t, op, up) -> List.copyOf(up));
      }
      // everything from closed graphs (this test's and earlier tests') is gone; this graph's entries stay
      assertThat(CustomGradient.liveFunctionCount()).isEqualTo(n);
      assertThat(CustomGradient.release(open)).isEqualTo(n);
    }
  }

  @Test
  void concurrentRegistrationAndGradientBuilding() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<double[]>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        double scale = i + 1;
        futures.add(pool.submit(() -> {
          start.await();
          GradientRegistry.ensureRegistered();
          try (Graph g = new Graph();
              Session s = new Session(g)) {
            Ops tf = Ops.create(g);
            Operand<TFloat64> x = tf.constant(X);
            Operand<TFloat64> y = f64(CustomGradient.identityWithGradient(tf, List.of(tf.math.tanh(x)),
                (t, op, up) -> List.of(t.math.mul(f64(up.get(0)), t.constant(scale)))).get(0));
            // second order through TanhGrad, too
            Operand<?> d1 = grad(tf, sum(tf, y), x);
            Operand<?> d2 = grad(tf, sum(tf, f64(d1)), x);
            return eval1(s, d2);
          }
        }));
      }
      GradientRegistry.ensureRegistered();
      start.countDown();
      for (int i = 0; i < threads; i++) {
        double[] v = futures.get(i).get(60, TimeUnit.SECONDS);
        for (int j = 0; j < X.length; j++) {
          double t = Math.tanh(X[j]);
          double expected = (i + 1) * (-2 * t * (1 - t * t)); // scale · d²tanh/dx²
          assertThat(v[j]).isCloseTo(expected, within(1e-12));
        }
      }
      assertThat(GradientRegistry.registeredOpTypes()).contains("IdentityN", "TanhGrad");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void eagerModeIsRejected() {
    try (org.tensorflow.EagerSession e = org.tensorflow.EagerSession.create()) {
      Ops tf = Ops.create(e);
      assertThatThrownBy(() -> CustomGradient.identityWithGradient(tf, List.of(tf.constant(1.0)),
          (t, op, up) -> List.copyOf(up)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
