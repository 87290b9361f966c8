package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.StepSpec;
import org.flows4j.tf.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat64;

/**
 * What the conformance suite cannot see in the Hoogeboom et al. convolutions: that each autoregressive factor of an
 * emerging convolution has exactly the paper's square mask and their composition exactly a {@code k×k} receptive
 * field, and that the in-graph inverses stay exact on an image of realistic size.
 */
class ConvolutionStructureTest {

  /**
   * The paper's construction, checked entry by entry on the Jacobian (float64, weights perturbed so every weight
   * the masks keep is non-zero): with the other factor set to the identity, each factor reads exactly the inputs its
   * square mask allows, {@code ∂z(r, c, o)/∂x(r + a − l, c + b − l, i) ≠ 0 ⇔ M[a, b, i, o] = 1} (within the image),
   * with M₁ the authors' {@code get_conv_square_ar_mask} (rows and columns ≥ l, channels i ≤ o at the centre) and
   * M₂ it flipped along all four axes; and the composition reads exactly the {@code k×k} neighbourhood of an
   * interior pixel, every channel, nothing beyond. Two half-plane {@code k×k} factors (flows4j's former
   * construction) read up to {@code 2l} rows away and fail.
   */
  @ParameterizedTest(name = "k = {0} on {1}x{1}x2")
  @CsvSource({"3, 5", "5, 7"})
  void emergingFactorsHaveThePapersSquareMasksAndComposeToAKByKField(int k, int side) {
    Shape shape = Shape.of(side, side, 2);
    int c = 2;
    int l = (k - 1) / 2;
    int d = shape.size();
    FlowSpec spec = Flows.sequential(shape).add(new EmergingConv(k)).build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 5);
      Layer<TFloat64> layer = flow.layers().get(0);
      List<Variable<TFloat64>> variables = flow.trainableVariables();
      assertThat(variables).as("kernel 1, kernel 2, bias").hasSize(3);
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      Operand<TFloat64> y = g.tf.reshape(layer.forwardAndLogDet(g.tf, x, PassContext.training()).value(),
          g.tf.constant(new int[] {FlowChecks.BATCH, d}));
      List<Operand<TFloat64>> rows = BruteForceJacobian.rows(g.tf, y, x, FlowChecks.BATCH, d);
      Map<Operand<?>, org.tensorflow.Tensor> feed = Map.of(x, FlowChecks.randomBatch(shape, 2, 0.0, 1.0));
      g.perturb(variables, 0.3, 9);
      double[][] composed = jacobian(g.fetch(rows, feed), d);

      double[] first = squareMask(k, c);
      double[] second = flippedMask(first, k, c);
      g.run(identity(g, variables.get(1), k, c), Map.of());
      double[][] onlyFirst = jacobian(g.fetch(rows, feed), d);
      g.perturb(variables.subList(1, 2), 0.3, 10);
      g.run(identity(g, variables.get(0), k, c), Map.of());
      double[][] onlySecond = jacobian(g.fetch(rows, feed), d);

      int checked = 0;
      for (int r = 0; r < side; r++) {
        for (int col = 0; col < side; col++) {
          for (int o = 0; o < c; o++) {
            int out = (r * side + col) * c + o;
            for (int r2 = 0; r2 < side; r2++) {
              for (int col2 = 0; col2 < side; col2++) {
                for (int i = 0; i < c; i++) {
                  int in = (r2 * side + col2) * c + i;
                  int a = r2 - r + l;
                  int b = col2 - col + l;
                  boolean inKernel = a >= 0 && a < k && b >= 0 && b < k;
                  boolean reads1 = inKernel && first[((a * k + b) * c + i) * c + o] == 1;
                  boolean reads2 = inKernel && second[((a * k + b) * c + i) * c + o] == 1;
                  assertThat(onlyFirst[out][in] != 0).as("factor 1: ∂z%s/∂x%s", List.of(r, col, o),
                      List.of(r2, col2, i)).isEqualTo(reads1);
                  assertThat(onlySecond[out][in] != 0).as("factor 2: ∂z%s/∂x%s", List.of(r, col, o),
                      List.of(r2, col2, i)).isEqualTo(reads2);
                  if (r == side / 2 && col == side / 2) {
                    assertThat(composed[out][in] != 0).as("composition: ∂z%s/∂x%s", List.of(r, col, o),
                        List.of(r2, col2, i)).isEqualTo(inKernel);
                  }
                  checked++;
                }
              }
            }
          }
        }
      }
      System.out.printf("emerging k = %d on %s: %d Jacobian entries of each factor match the paper's masks%n",
          k, shape, checked);
    }
  }

  /** The authors' square autoregressive mask, written out independently of the layer's own. */
  private static double[] squareMask(int k, int c) {
    int l = (k - 1) / 2;
    double[] mask = new double[k * k * c * c];
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < k; b++) {
        for (int i = 0; i < c; i++) {
          for (int o = 0; o < c; o++) {
            boolean quadrant = a >= l && b >= l;
            boolean centre = a == l && b == l;
            mask[((a * k + b) * c + i) * c + o] = quadrant && (!centre || i <= o) ? 1 : 0;
          }
        }
      }
    }
    return mask;
  }

  private static double[] flippedMask(double[] mask, int k, int c) {
    double[] out = new double[mask.length];
    for (int a = 0; a < k; a++) {
      for (int b = 0; b < k; b++) {
        for (int i = 0; i < c; i++) {
          for (int o = 0; o < c; o++) {
            out[((a * k + b) * c + i) * c + o] =
                mask[(((k - 1 - a) * k + (k - 1 - b)) * c + (c - 1 - i)) * c + (c - 1 - o)];
          }
        }
      }
    }
    return out;
  }

  /** Sets a factor's kernel to the identity convolution (1 at the centre tap's diagonal). */
  private static Op identity(GraphFixture g, Variable<TFloat64> kernel, int k, int c) {
    double[] eye = new double[k * k * c * c];
    int l = (k - 1) / 2;
    for (int o = 0; o < c; o++) {
      eye[((l * k + l) * c + o) * c + o] = 1;
    }
    Operand<TFloat64> value = g.tf.constant(org.tensorflow.ndarray.Shape.of(k, k, c, c),
        org.tensorflow.ndarray.buffer.DataBuffers.of(eye));
    return g.tf.withControlDependencies(List.of(g.tf.assign(kernel, value))).noOp();
  }

  @Test
  void emergingInverseIsExactOnAnEightByEightImage() {
    double error = roundTripAtScale(new EmergingConv(3), "emergingConv(3)");
    assertThat(error).isLessThan(1e-10);
  }

  /**
   * The inverse solves blocks of pixels at once (padded to whole blocks): on images that are not square, with several
   * channels and the wider 5×5 kernel, it must still be exact (perturbed weights, float64).
   */
  @ParameterizedTest(name = "emergingConv({0}) on [{1}, {2}, {3}]")
  @CsvSource({"3, 5, 9, 3", "3, 7, 2, 1", "5, 6, 4, 2"})
  void emergingInverseIsExactOnImagesThatAreNotSquare(int k, int h, int w, int c) {
    double error = roundTripAtScale(new EmergingConv(k), "emergingConv(" + k + ")", Shape.of(h, w, c));
    assertThat(error).isLessThan(1e-10);
  }

  @Test
  void periodicInverseIsExactOnAnEightByEightImage() {
    double error = roundTripAtScale(new PeriodicConv(3), "periodicConv(3)");
    assertThat(error).isLessThan(1e-10);
  }

  /** Forward then inverse at [8, 8, 2] in float64 with perturbed weights; prints the time of one inverse run. */
  private static double roundTripAtScale(StepSpec step, String name) {
    return roundTripAtScale(step, name, Shape.of(8, 8, 2));
  }

  /** Forward then inverse at {@code shape} in float64 with perturbed weights; prints the time of one inverse run. */
  private static double roundTripAtScale(StepSpec step, String name, Shape shape) {
    FlowSpec spec = Flows.sequential(shape).add(step).build();
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 7);
      Layer<TFloat64> layer = flow.layers().get(0);
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      Placeholder<TFloat64> z = FlowChecks.input(g, shape);
      Operand<TFloat64> forward = layer.forwardAndLogDet(g.tf, x, PassContext.training()).value();
      Operand<TFloat64> inverse = layer.inverseAndLogDet(g.tf, z, PassContext.evaluation()).value();
      g.perturb(flow.trainableVariables(), 0.3, 4);
      long[] dims = {FlowChecks.BATCH, shape.dim(0), shape.dim(1), shape.dim(2)};
      TFloat64 x0 = FlowChecks.randomBatch(shape, 3, 0.0, 1.0);
      double[] x0Values = HostTensors.toDoubles(x0);
      double[] z0 = g.fetch(forward, Map.of(x, x0));
      Map<Operand<?>, org.tensorflow.Tensor> feed = Map.of(z, HostTensors.of(TFloat64.class, z0, dims));
      g.fetch(inverse, feed); // warm-up
      long start = System.nanoTime();
      double[] back = g.fetch(inverse, feed);
      double millis = (System.nanoTime() - start) / 1e6;
      double error = FlowChecks.maxAbsDiff(back, x0Values);
      System.out.printf("inverse %s on %s, batch %d, float64: %.1f ms, max |x − f⁻¹(f(x))| = %.3g%n",
          name, shape, FlowChecks.BATCH, millis, error);
      return error;
    }
  }

  /** Example 0's Jacobian {@code [output][input]} from the brute-force rows. */
  private static double[][] jacobian(List<double[]> rows, int d) {
    double[][] m = new double[d][];
    for (int j = 0; j < d; j++) {
      m[j] = java.util.Arrays.copyOf(rows.get(j), d);
    }
    return m;
  }
}
