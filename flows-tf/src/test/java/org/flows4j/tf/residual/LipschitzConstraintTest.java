package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.linalg.Svd;
import org.tensorflow.types.TFloat64;

/**
 * After normalisation every linear map of a residual branch has spectral norm ≤ coeff (+ the power iteration's
 * tolerance), checked independently: dense matrices by an SVD, convolutions by materialising the convolution
 * operator at the input size (its matrix, column by column) and taking that matrix's SVD.
 */
class LipschitzConstraintTest {
  private static final double COEFF = 0.9;

  private static List<Double> largestSingularValues(FlowSpec spec, boolean convolution) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 3);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
      List<Operand<TFloat64>> weights = layer.normalizedWeights(tf);
      List<Operand<TFloat64>> matrices = new ArrayList<>();
      Shape shape = spec.inputShape();
      for (Operand<TFloat64> w : weights) {
        matrices.add(convolution ? convolutionMatrix(tf, w, shape, (int) w.shape().get(2)) : w);
      }
      List<Operand<TFloat64>> sigmas = new ArrayList<>();
      for (Operand<TFloat64> m : matrices) {
        Svd<TFloat64> svd = tf.linalg.svd(m, Svd.computeUv(false));
        sigmas.add(tf.max(svd.s(), tf.constant(0)));
      }
      try (Session session = new Session(graph)) {
        session.initialize();
        // Scale the weights far beyond the bound so the normalisation has real work to do.
        List<org.tensorflow.op.Op> grow = new ArrayList<>();
        for (Variable<TFloat64> v : flow.trainableVariables()) {
          grow.add(tf.assign(v, tf.math.mul(v, tf.constant(5.0))));
        }
        session.run(tf.withControlDependencies(grow).noOp());
        // What the trainer runs at start-up and before every evaluation.
        session.run(flow.normalizationUpdate(tf, true));
        Session.Runner runner = session.runner();
        sigmas.forEach(runner::fetch);
        List<Double> values = new ArrayList<>();
        try (Result result = runner.run()) {
          for (int i = 0; i < sigmas.size(); i++) {
            values.add(HostTensors.toDouble(result.get(i)));
          }
        }
        return values;
      }
    }
  }

  /**
   * The matrix of {@code v ↦ conv(v, kernel)} on {@code [h, w, in]} inputs: convolve every basis image, one
   * column each.
   */
  private static Operand<TFloat64> convolutionMatrix(Ops tf, Operand<TFloat64> kernel, Shape shape, int in) {
    int h = shape.dim(0);
    int w = shape.dim(1);
    int size = h * w * in;
    double[] eye = new double[size * size];
    for (int i = 0; i < size; i++) {
      eye[i * size + i] = 1;
    }
    Operand<TFloat64> basis = tf.constant(org.tensorflow.ndarray.Shape.of(size, h, w, in),
        org.tensorflow.ndarray.buffer.DataBuffers.of(eye));
    Operand<TFloat64> images = tf.nn.conv2d(basis, kernel, List.of(1L, 1L, 1L, 1L), "SAME");
    return tf.linalg.transpose(tf.reshape(images, tf.constant(new int[] {size, -1})), tf.constant(new int[] {1, 0}));
  }

  @Test
  void denseLayersAreWithinTheBound() {
    FlowSpec spec = Flows.sequential(Shape.of(5))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(16, 12).lipschitzCoeff(COEFF))).build();
    List<Double> sigmas = largestSingularValues(spec, false);
    System.out.println("dense spectral norms after normalisation: " + sigmas);
    assertThat(sigmas).hasSize(3).allSatisfy(sigma -> assertThat(sigma).isBetween(COEFF - 0.01, COEFF + 1e-3));
  }

  @Test
  void convolutionOperatorsAreWithinTheBound() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(6).lipschitzCoeff(COEFF))).build();
    List<Double> sigmas = largestSingularValues(spec, true);
    System.out.println("convolution operator norms after normalisation: " + sigmas);
    assertThat(sigmas).hasSize(3).allSatisfy(sigma -> assertThat(sigma).isBetween(COEFF - 0.01, COEFF + 1e-3));
  }
}
