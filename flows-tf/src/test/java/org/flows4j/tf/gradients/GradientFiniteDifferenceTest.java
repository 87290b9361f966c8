package org.flows4j.tf.gradients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.flows4j.tf.gradients.FiniteDifferenceCheck.awayFromZero;
import static org.flows4j.tf.gradients.FiniteDifferenceCheck.symmetricPositiveDefinite;
import static org.flows4j.tf.gradients.FiniteDifferenceCheck.uniform;
import static org.flows4j.tf.gradients.FiniteDifferenceCheck.wellConditioned;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.flows4j.tf.gradients.FiniteDifferenceCheck.GraphFunction;
import org.flows4j.tf.gradients.FiniteDifferenceCheck.Input;
import org.flows4j.tf.gradients.FiniteDifferenceCheck.Result;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.GraphOperationBuilder;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.StridedSliceGrad;
import org.tensorflow.op.linalg.Inv;
import org.tensorflow.op.linalg.MatrixDiagPartV3;
import org.tensorflow.op.linalg.MatrixDiagV3;
import org.tensorflow.op.linalg.MatrixSetDiag;
import org.tensorflow.op.linalg.Solve;
import org.tensorflow.op.linalg.TriangularSolve;
import org.tensorflow.op.nn.BiasAddGrad;
import org.tensorflow.op.nn.Conv2dBackpropFilter;
import org.tensorflow.types.TFloat64;

/**
 * Every gradient of the registry against central finite differences in float64: f is built around the op, the
 * analytic gradient of Σ w ⊙ f(x) (random w) is compared entry by entry with (s(x+h) − s(x−h)) / 2h, h = 1e-6.
 * Each case also checks that its graph really contains the op type it claims to test.
 */
class GradientFiniteDifferenceTest {

  /** Max absolute error allowed (measured errors are ~1e-9 .. 1e-10, see the printed table). */
  static final double TOLERANCE = 1e-6;

  private static final Map<String, Result> RESULTS = new ConcurrentHashMap<>();

  /** One finite-difference case: the op type it exercises, a label, the function and its inputs. */
  record Case(String opType, String label, GraphFunction f, List<Input> inputs) {}

  static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    Shape m33 = Shape.of(3, 3);

    // ---- *Grad ops of activations: both inputs perturbed
    c.add(new Case("TanhGrad", "", (tf, in) -> tf.math.tanhGrad(in.get(0), in.get(1)),
        List.of(in("y", m33, uniform(1, 9, -0.9, 0.9)), in("dy", m33, uniform(2, 9, -1, 1)))));
    c.add(new Case("SigmoidGrad", "", (tf, in) -> tf.math.sigmoidGrad(in.get(0), in.get(1)),
        List.of(in("y", m33, uniform(3, 9, 0.1, 0.9)), in("dy", m33, uniform(4, 9, -1, 1)))));
    c.add(new Case("SoftplusGrad", "", (tf, in) -> tf.math.softplusGrad(in.get(0), in.get(1)),
        List.of(in("gradients", m33, uniform(5, 9, -1, 1)), in("features", m33, uniform(6, 9, -2, 2)))));
    c.add(new Case("EluGrad", "", (tf, in) -> tf.nn.eluGrad(in.get(0), in.get(1)),
        List.of(in("gradients", m33, uniform(7, 9, -1, 1)), in("outputs", m33, awayFromZero(8, 9, 0.1, 0.9)))));
    c.add(new Case("SeluGrad", "", (tf, in) -> tf.nn.seluGrad(in.get(0), in.get(1)),
        List.of(in("gradients", m33, uniform(9, 9, -1, 1)), in("outputs", m33, awayFromZero(10, 9, 0.1, 1.5)))));
    c.add(new Case("ReluGrad", "", (tf, in) -> tf.nn.reluGrad(in.get(0), in.get(1)),
        List.of(in("gradients", m33, uniform(11, 9, -1, 1)), in("features", m33, awayFromZero(12, 9, 0.1, 2)))));
    c.add(new Case("Relu6Grad", "", (tf, in) -> tf.nn.relu6Grad(in.get(0), in.get(1)),
        List.of(in("gradients", m33, uniform(13, 9, -1, 1)), in("features", m33, awayFromZero(14, 9, 0.2, 5.8)))));
    c.add(new Case("SoftsignGrad", "", (tf, in) -> tf.nn.softsignGrad(in.get(0), in.get(1)),
        List.of(in("gradients", m33, uniform(15, 9, -1, 1)), in("features", m33, awayFromZero(16, 9, 0.1, 2)))));
    c.add(new Case("SqrtGrad", "", (tf, in) -> tf.math.sqrtGrad(in.get(0), in.get(1)),
        List.of(in("y", m33, uniform(17, 9, 0.5, 2)), in("dy", m33, uniform(18, 9, -1, 1)))));
    c.add(new Case("RsqrtGrad", "", (tf, in) -> tf.math.rsqrtGrad(in.get(0), in.get(1)),
        List.of(in("y", m33, uniform(19, 9, 0.5, 2)), in("dy", m33, uniform(20, 9, -1, 1)))));
    c.add(new Case("ReciprocalGrad", "", (tf, in) -> tf.math.reciprocalGrad(in.get(0), in.get(1)),
        List.of(in("y", m33, awayFromZero(21, 9, 0.5, 2)), in("dy", m33, uniform(22, 9, -1, 1)))));
    c.add(new Case("InvGrad", "", (tf, in) -> tf.nn.invGrad(in.get(0), in.get(1)),
        List.of(in("y", m33, awayFromZero(23, 9, 0.5, 2)), in("dy", m33, uniform(24, 9, -1, 1)))));

    // ---- convolution backprops (x and out_backprop perturbed; filter_sizes is a constant)
    c.add(conv2dBackpropFilter("SAME stride 1", 1, 5, "SAME", 1, 1, new long[0], 5));
    c.add(conv2dBackpropFilter("VALID stride 2, batch 2", 2, 5, "VALID", 2, 1, new long[0], 2));
    c.add(conv2dBackpropFilter("EXPLICIT pads (1,2)x(2,1)", 1, 5, "EXPLICIT", 1, 1,
        new long[] {0, 0, 1, 2, 2, 1, 0, 0}, 6));
    // (dilation > 1: the CPU kernels of Conv2DBackpropFilter refuse it, so it is not tested here)
    c.add(new Case("Conv2DBackpropInput", "native gradient (registry skips it)",
        (tf, in) -> tf.nn.conv2dBackpropInput(tf.constant(new int[] {1, 5, 5, 2}), in.get(0), in.get(1),
            List.of(1L, 1L, 1L, 1L), "SAME"),
        List.of(in("filter", Shape.of(3, 3, 2, 3), uniform(25, 54, -1, 1)),
            in("out_backprop", Shape.of(1, 5, 5, 3), uniform(26, 75, -1, 1)))));
    c.add(new Case("BiasAddGrad", "NHWC", (tf, in) -> tf.nn.biasAddGrad(in.get(0)),
        List.of(in("out_backprop", Shape.of(2, 3, 4), uniform(27, 24, -1, 1)))));
    c.add(new Case("BiasAddGrad", "NCHW",
        (tf, in) -> tf.nn.biasAddGrad(in.get(0), BiasAddGrad.dataFormat("NCHW")),
        List.of(in("out_backprop", Shape.of(2, 3, 2, 2), uniform(28, 24, -1, 1)))));

    // ---- StridedSliceGrad (dy perturbed)
    c.add(new Case("StridedSliceGrad", "x[1:4, 0:5:2]",
        (tf, in) -> tf.stridedSliceGrad(tf.constant(new int[] {4, 5}), tf.constant(new int[] {1, 0}),
            tf.constant(new int[] {4, 5}), tf.constant(new int[] {1, 2}), in.get(0)),
        List.of(in("dy", Shape.of(3, 3), uniform(29, 9, -1, 1)))));
    c.add(new Case("StridedSliceGrad", "x[::-1, 2] (end mask, shrink axis)",
        (tf, in) -> tf.stridedSliceGrad(tf.constant(new int[] {4, 5}), tf.constant(new int[] {0, 2}),
            tf.constant(new int[] {0, 3}), tf.constant(new int[] {-1, 1}), in.get(0),
            StridedSliceGrad.beginMask(1L), StridedSliceGrad.endMask(1L), StridedSliceGrad.shrinkAxisMask(2L)),
        List.of(in("dy", Shape.of(4), uniform(30, 4, -1, 1)))));

    // ---- linear algebra, batches of 2 matrices 3x3 made well conditioned
    Shape b33 = Shape.of(2, 3, 3);
    c.add(new Case("MatrixInverse", "", (tf, in) -> tf.linalg.inv(in.get(0)),
        List.of(in("A", b33, wellConditioned(31, 2, 3, 3)))));
    c.add(new Case("MatrixInverse", "adjoint", (tf, in) -> tf.linalg.inv(in.get(0), Inv.adjoint(true)),
        List.of(in("A", b33, wellConditioned(32, 2, 3, 3)))));
    c.add(new Case("MatrixDeterminant", "", (tf, in) -> tf.linalg.det(in.get(0)),
        List.of(in("A", b33, withNegatedSecond(wellConditioned(33, 2, 3, 2))))));
    c.add(new Case("LogMatrixDeterminant", "log|det| (one det < 0)",
        (tf, in) -> tf.linalg.logMatrixDeterminant(in.get(0)).logAbsDeterminant(),
        List.of(in("A", b33, withNegatedSecond(wellConditioned(34, 2, 3, 3))))));
    c.add(new Case("LogMatrixDeterminant", "sign and log|det| both read",
        (tf, in) -> {
          var lmd = tf.linalg.logMatrixDeterminant(in.get(0));
          return tf.math.mul(lmd.sign(), lmd.logAbsDeterminant());
        },
        List.of(in("A", b33, withNegatedSecond(wellConditioned(35, 2, 3, 3))))));
    c.add(new Case("MatrixSolve", "", (tf, in) -> tf.linalg.solve(in.get(0), in.get(1)),
        List.of(in("A", b33, wellConditioned(36, 2, 3, 3)), in("B", Shape.of(2, 3, 2), uniform(37, 12, -1, 1)))));
    c.add(new Case("MatrixSolve", "adjoint",
        (tf, in) -> tf.linalg.solve(in.get(0), in.get(1), Solve.adjoint(true)),
        List.of(in("A", b33, wellConditioned(38, 2, 3, 3)), in("B", Shape.of(2, 3, 2), uniform(39, 12, -1, 1)))));
    for (boolean lower : new boolean[] {true, false}) {
      for (boolean adjoint : new boolean[] {false, true}) {
        c.add(new Case("MatrixTriangularSolve", (lower ? "lower" : "upper") + (adjoint ? ", adjoint" : ""),
            (tf, in) -> tf.linalg.triangularSolve(in.get(0), in.get(1), TriangularSolve.lower(lower),
                TriangularSolve.adjoint(adjoint)),
            List.of(in("A", b33, wellConditioned(40, 2, 3, 3)), in("B", Shape.of(2, 3, 2), uniform(41, 12, -1, 1)))));
      }
    }
    c.add(new Case("MatrixTriangularSolve", "lower, A [3,3] broadcast against B [2,3,2]",
        (tf, in) -> tf.linalg.triangularSolve(in.get(0), in.get(1)),
        List.of(in("A", m33, wellConditioned(42, 1, 3, 3)), in("B", Shape.of(2, 3, 2), uniform(43, 12, -1, 1)))));
    c.add(new Case("Cholesky", "all entries of A perturbed (upper never read)",
        (tf, in) -> tf.linalg.cholesky(in.get(0)),
        List.of(in("A", b33, symmetricPositiveDefinite(44, 2, 3, 1)))));

    // ---- diagonals
    c.add(new Case("MatrixDiagPart", "V1, 3x4",
        (tf, in) -> raw(tf, "MatrixDiagPart", List.of(in.get(0)), Map.of()),
        List.of(in("input", Shape.of(2, 3, 4), uniform(45, 24, -1, 1)))));
    c.add(new Case("MatrixSetDiag", "V1",
        (tf, in) -> raw(tf, "MatrixSetDiag", List.of(in.get(0), in.get(1)), Map.of()),
        List.of(in("input", b33, uniform(46, 18, -1, 1)), in("diagonal", Shape.of(2, 3), uniform(47, 6, -1, 1)))));
    c.add(new Case("MatrixDiagV2", "k = (-1, 1), 3x3, padding perturbed",
        (tf, in) -> tf.linalg.matrixDiag(in.get(0), tf.constant(new int[] {-1, 1}), tf.constant(3), tf.constant(3),
            in.get(1)),
        List.of(in("diagonal", Shape.of(2, 3, 3), uniform(48, 18, -1, 1)), in("padding", Shape.scalar(),
            new double[] {0.3}))));
    for (String align : new String[] {"RIGHT_LEFT", "LEFT_RIGHT"}) {
      c.add(new Case("MatrixDiagV3", "k = (-1, 1), 3x4, " + align,
          (tf, in) -> tf.linalg.matrixDiagV3(in.get(0), tf.constant(new int[] {-1, 1}), tf.constant(3),
              tf.constant(4), in.get(1), MatrixDiagV3.align(align)),
          List.of(in("diagonal", Shape.of(2, 3, 3), uniform(49, 18, -1, 1)), in("padding", Shape.scalar(),
              new double[] {-0.2}))));
    }
    c.add(new Case("MatrixDiagPartV2", "k = (-1, 1), padding perturbed",
        (tf, in) -> tf.linalg.matrixDiagPart(in.get(0), tf.constant(new int[] {-1, 1}), in.get(1)),
        List.of(in("input", b33, uniform(50, 18, -1, 1)), in("padding", Shape.scalar(), new double[] {0.7}))));
    for (String align : new String[] {"RIGHT_LEFT", "LEFT_RIGHT"}) {
      c.add(new Case("MatrixDiagPartV3", "k = (-1, 1), 3x4, " + align,
          (tf, in) -> tf.linalg.matrixDiagPartV3(in.get(0), tf.constant(new int[] {-1, 1}), in.get(1),
              MatrixDiagPartV3.align(align)),
          List.of(in("input", Shape.of(2, 3, 4), uniform(51, 24, -1, 1)), in("padding", Shape.scalar(),
              new double[] {0.4}))));
    }
    c.add(new Case("MatrixSetDiagV2", "k = (-1, 1)",
        (tf, in) -> raw(tf, "MatrixSetDiagV2", List.of(in.get(0), in.get(1), tf.constant(new int[] {-1, 1})),
            Map.of()),
        List.of(in("input", b33, uniform(52, 18, -1, 1)), in("diagonal", Shape.of(2, 3, 3), uniform(53, 18, -1, 1)))));
    for (String align : new String[] {"RIGHT_LEFT", "LEFT_RIGHT"}) {
      c.add(new Case("MatrixSetDiagV3", "k = (-1, 1), 3x4, " + align,
          (tf, in) -> tf.linalg.matrixSetDiag(in.get(0), in.get(1), tf.constant(new int[] {-1, 1}),
              MatrixSetDiag.align(align)),
          List.of(in("input", Shape.of(2, 3, 4), uniform(54, 24, -1, 1)), in("diagonal", Shape.of(2, 3, 3),
              uniform(55, 18, -1, 1)))));
    }

    // ---- elementwise math
    c.add(new Case("Round", "f = round(x)·x", (tf, in) -> tf.math.mul(tf.math.round(in.get(0)), in.get(0)),
        List.of(in("x", m33, nearIntegers(56, 9, -0.4, 0.4)))));
    c.add(new Case("Rint", "f = rint(x)·x", (tf, in) -> tf.math.mul(tf.math.rint(in.get(0)), in.get(0)),
        List.of(in("x", m33, nearIntegers(57, 9, -0.4, 0.4)))));
    c.add(new Case("Ceil", "f = ceil(x)·x", (tf, in) -> tf.math.mul(tf.math.ceil(in.get(0)), in.get(0)),
        List.of(in("x", m33, nearIntegers(58, 9, 0.1, 0.9)))));
    c.add(new Case("Xlogy", "x [3,3] with zeros, y [3] broadcast",
        (tf, in) -> tf.math.xlogy(in.get(0), in.get(1)),
        List.of(in("x", m33, withZeros(uniform(59, 9, -1, 1))), in("y", Shape.of(3), uniform(60, 3, 0.5, 2)))));
    c.add(new Case("Xdivy", "x [3,3] with zeros, y [3] broadcast",
        (tf, in) -> tf.math.xdivy(in.get(0), in.get(1)),
        List.of(in("x", m33, withZeros(uniform(61, 9, -1, 1))), in("y", Shape.of(3), awayFromZero(62, 3, 0.5, 2)))));
    c.add(new Case("Xlog1py", "x [3,3] with zeros, y [1,3] broadcast",
        (tf, in) -> tf.math.xlog1py(in.get(0), in.get(1)),
        List.of(in("x", m33, withZeros(uniform(63, 9, -1, 1))), in("y", Shape.of(1, 3), uniform(64, 3, -0.5, 1)))));
    c.add(new Case("MulNoNan", "y [3] broadcast, one y = 0",
        (tf, in) -> tf.math.mulNoNan(in.get(0), in.get(1)),
        List.of(in("x", m33, uniform(65, 9, -1, 1)), in("y", Shape.of(3), new double[] {0.5, 0.0, -1.5}))));
    c.add(new Case("Erfc", "", (tf, in) -> tf.math.erfc(in.get(0)), List.of(in("x", m33, uniform(66, 9, -2, 2)))));
    c.add(new Case("Digamma", "", (tf, in) -> tf.math.digamma(in.get(0)),
        List.of(in("x", m33, uniform(67, 9, 0.5, 3)))));
    c.add(new Case("Polygamma", "orders 1..3 constant",
        (tf, in) -> tf.math.polygamma(tf.constant(new double[][] {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}}), in.get(0)),
        List.of(in("x", m33, uniform(68, 9, 0.8, 3)))));

    // ---- array ops
    c.add(new Case("OnesLike", "f = x²·onesLike(x)",
        (tf, in) -> tf.math.mul(tf.math.square(in.get(0)), tf.onesLike(in.get(0))),
        List.of(in("x", m33, uniform(69, 9, -1, 1)))));
    c.add(new Case("IdentityN", "plain IdentityN, both outputs read",
        (tf, in) -> {
          List<Output<?>> out = tf.identityN(List.of(in.get(0), in.get(1))).output();
          return tf.math.mul(f64(out.get(0)), tf.math.square(f64(out.get(1))));
        },
        List.of(in("a", m33, uniform(70, 9, -1, 1)), in("b", m33, uniform(71, 9, -1, 1)))));
    c.add(new Case("IdentityN", "plain IdentityN, one output unused",
        (tf, in) -> tf.math.exp(f64(tf.identityN(List.of(in.get(0), in.get(1))).output().get(1))),
        List.of(in("a", m33, uniform(72, 9, -1, 1)), in("b", m33, uniform(73, 9, -1, 1)))));
    c.add(new Case("IdentityN", "custom gradient returning the true gradient of x·sin(x)",
        (tf, in) -> {
          Operand<TFloat64> x = in.get(0);
          Operand<TFloat64> value = tf.math.mul(x, tf.math.sin(x));
          List<Output<?>> out = CustomGradient.identityWithGradient(tf, List.of(value, x),
              (g, op, up) -> {
                Operand<TFloat64> xx = f64(op.input(1));
                Operand<TFloat64> d = g.math.add(g.math.sin(xx), g.math.mul(xx, g.math.cos(xx)));
                return List.of(g.zerosLike(op.input(0)), g.math.mul(f64(up.get(0)), d));
              });
          return f64(out.get(0));
        },
        List.of(in("x", m33, uniform(74, 9, -2, 2)))));
    return c;
  }

  @TestFactory
  Stream<DynamicTest> everyGradientMatchesFiniteDifferences() {
    return cases().stream().map(k -> DynamicTest.dynamicTest(k.opType() + " " + k.label(), () -> run(k)));
  }

  @Test
  void everySupportedOpTypeHasACase() {
    Set<String> covered = new LinkedHashSet<>();
    for (Case k : cases()) {
      covered.add(k.opType());
    }
    assertThat(covered).containsAll(GradientRegistry.supportedOpTypes());
  }

  private static void run(Case k) {
    Set<String> types = ConcurrentHashMap.newKeySet();
    GraphFunction recording =
        (tf, in) -> {
          Operand<TFloat64> out = k.f().apply(tf, in);
          Iterator<GraphOperation> ops = ((Graph) tf.scope().env()).operations();
          while (ops.hasNext()) {
            types.add(ops.next().type());
          }
          return out;
        };
    String name = k.opType() + (k.label().isEmpty() ? "" : " (" + k.label() + ")");
    Result r = FiniteDifferenceCheck.create().check(name, recording, k.inputs());
    RESULTS.put(name, r);
    assertThat(types).as("op types in the graph of %s", name).contains(k.opType());
    r.assertMaxAbsErrorAtMost(TOLERANCE);
  }

  @AfterAll
  static void printTable() {
    System.out.println("[FD] ==== finite-difference summary (h = 1e-6, float64, tolerance " + TOLERANCE + ")");
    for (Result r : new TreeMap<>(RESULTS).values()) {
      System.out.println("[FD] " + r.summary());
    }
  }

  // ---------------------------------------------------------------------------------------------------- helpers

  static Input in(String name, Shape shape, double[] values) {
    return new Input(name, shape, values);
  }

  @SuppressWarnings("unchecked")
  static Operand<TFloat64> f64(Operand<?> o) {
    return (Operand<TFloat64>) o;
  }

  /** Output 0 of a raw op built with the graph's op builder (for ops the Java API does not expose). */
  static Operand<TFloat64> raw(Ops tf, String type, List<Operand<?>> inputs, Map<String, String> attrs) {
    GraphOperationBuilder b = (GraphOperationBuilder) tf.scope().opBuilder(type, type);
    for (Operand<?> i : inputs) {
      b.addInput(i.asOutput());
    }
    attrs.forEach(b::setAttr);
    return f64(b.build().output(0));
  }

  private static Case conv2dBackpropFilter(
      String label, int batch, int size, String padding, int stride, int dilation, long[] explicit, int outSize) {
    GraphFunction f =
        (tf, in) -> {
          List<Conv2dBackpropFilter.Options> options = new ArrayList<>();
          options.add(Conv2dBackpropFilter.dilations(List.of(1L, (long) dilation, (long) dilation, 1L)));
          if (explicit.length > 0) {
            List<Long> pads = new ArrayList<>();
            for (long p : explicit) {
              pads.add(p);
            }
            options.add(Conv2dBackpropFilter.explicitPaddings(pads));
          }
          return tf.nn.conv2dBackpropFilter(in.get(0), tf.constant(new int[] {3, 3, 2, 3}), in.get(1),
              List.of(1L, (long) stride, (long) stride, 1L), padding,
              options.toArray(Conv2dBackpropFilter.Options[]::new));
        };
    return new Case("Conv2DBackpropFilter", label, f,
        List.of(in("input", Shape.of(batch, size, size, 2), uniform(100 + size, batch * size * size * 2, -1, 1)),
            in("out_backprop", Shape.of(batch, outSize, outSize, 3),
                uniform(200 + outSize, batch * outSize * outSize * 3, -1, 1))));
  }

  /** Negates the second matrix of a batch of two 3×3 matrices: det changes sign. */
  private static double[] withNegatedSecond(double[] v) {
    double[] out = v.clone();
    for (int i = 9; i < 18; i++) {
      out[i] = -out[i];
    }
    return out;
  }

  /** Sets every third entry to 0. */
  private static double[] withZeros(double[] v) {
    double[] out = v.clone();
    for (int i = 0; i < out.length; i += 3) {
      out[i] = 0;
    }
    return out;
  }

  /** Integers in [−3, 3] plus an offset uniform in [lo, hi): away from the jumps of round/ceil. */
  private static double[] nearIntegers(long seed, int n, double lo, double hi) {
    double[] base = uniform(seed, n, -3.5, 3.5);
    double[] off = uniform(seed + 1000, n, lo, hi);
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = Math.rint(base[i]) + off[i];
    }
    return out;
  }
}
