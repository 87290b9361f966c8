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
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * After normalisation every linear map of a residual branch has spectral norm ≤ coeff (+ the power iteration's
 * tolerance), checked independently: dense matrices by an SVD, convolutions by materialising the convolution
 * operator at the input size (its matrix, column by column) and taking that matrix's SVD.
 */
class LipschitzConstraintTest {
  private static final double COEFF = 0.9;

  private static List<Double> largestSingularValues(FlowSpec spec, boolean convolution) {
    return largestSingularValues(spec, convolution, TFloat64.class);
  }

  /**
   * The largest singular value of each normalised map of the flow's first block (of the convolution operator at the
   * input's size for conv branches), computed in float64 by SVD after the thorough refresh, the flow compiled in
   * {@code type}.
   */
  private static <T extends TFloating> List<Double> largestSingularValues(FlowSpec spec, boolean convolution,
      Class<T> type) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<T> flow = FlowCompiler.compile(tf, spec, type, 3);
      @SuppressWarnings("unchecked")
      ResidualLayer<T> layer = (ResidualLayer<T>) flow.layers().get(0);
      List<Operand<T>> weights = layer.normalizedWeights(tf);
      List<Operand<TFloat64>> matrices = new ArrayList<>();
      Shape shape = spec.inputShape();
      for (Operand<T> weight : weights) {
        Operand<TFloat64> w = tf.dtypes.cast(weight, TFloat64.class);
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
        grow(tf, session, flow.trainableVariables(), !convolution);
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
   * Induced mixed norms (the official code's {@code --vnorms}): map i must satisfy
   * {@code ‖W̃x‖_{p_{i+1}} ≤ coeff·‖x‖_{p_i}}. Checked independently of the power method that sets the scale: for
   * each normalised matrix, gradient ascent on {@code log ‖Mx‖_q − log ‖x‖_p} from 60 random starts, 400 steps
   * each, must stay within coeff·(1 + 1e-3); and it must reach coeff·(1 − 1e-2), or the scale would be loose.
   * (Conv branches refuse orders: there the power method stopped at a local maximum, 0.935 against coeff 0.9 for a
   * 2 → 3 map.)
   */
  @Test
  void inducedMixedNormsAreWithinTheBoundByOptimisation() {
    FlowSpec dense = Flows.sequential(Shape.of(5))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(16, 12).spectralNormalization(
            new org.flows4j.api.residual.SpectralNormalization(COEFF, 1e-6, 200).withOrders(2, 3, 1.5, 2))))
        .build();
    double[] orders = {2, 3, 1.5, 2};
    List<double[][]> matrices = normalisedMatrices(dense, false);
    assertThat(matrices).hasSize(3);
    for (int i = 0; i < matrices.size(); i++) {
      double p = orders[i];
      double q = orders[i + 1];
      double best = maximiseRatio(matrices.get(i), p, q, 60, 400, 17 + i);
      System.out.printf("dense map %d: max ‖Wx‖_%s/‖x‖_%s by optimisation %.6f (coeff %s)%n", i, q, p, best, COEFF);
      assertThat(best).as("map %s", i).isBetween(COEFF * (1 - 1e-2), COEFF * (1 + 1e-3));
    }
  }

  /**
   * Induced mixed norms on a conv branch (the official {@code InducedNormConv2d}): each normalised convolution
   * operator, materialised at the input size, must satisfy {@code ‖W̃x‖_q ≤ coeff·‖x‖_p} by the same optimisation
   * (60 starts × 400 steps) within coeff·(1 + 1e-3). The cases are ones where the power method from one start stops
   * at a local maximum: without the 10 random restarts of the thorough refresh (the official code's restarts at
   * initialisation) the optimiser found, for these orders and seeds, 1.207, 1.105, 1.021 and 0.934 against coeff
   * 0.9; with them, 0.9000 each. (Restarts are not a proof: over 72 maps, 4 order sets × 6 seeds × 3 maps, the
   * worst with restarts was 0.9021, against 1.207 without.)
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "orders {0}, seed {1}")
  @org.junit.jupiter.params.provider.CsvSource({"4 2 4 4, 1", "3 1.5 3 3, 1", "1.5 3 1.5 1.5, 3", "2 3 1.5 2, 4"})
  void inducedMixedNormsOnConvolutionsAreWithinTheBoundByOptimisation(String orderList, long seed) {
    double[] orders = java.util.Arrays.stream(orderList.split(" ")).mapToDouble(Double::parseDouble).toArray();
    List<double[][]> matrices = normalisedMatrices(inducedConvBranch(orders), true, seed);
    assertThat(matrices).hasSize(3);
    for (int i = 0; i < matrices.size(); i++) {
      double p = orders[i];
      double q = orders[i + 1];
      double best = maximiseRatio(matrices.get(i), p, q, 60, 400, 31 + i);
      System.out.printf("orders %s, seed %d, conv map %d (%dx%d operator): max ‖Wx‖_%s/‖x‖_%s by optimisation %.6f "
          + "(coeff %s)%n", orderList, seed, i, matrices.get(i).length, matrices.get(i)[0].length, q, p, best, COEFF);
      assertThat(best).as("conv map %s", i).isBetween(COEFF * (1 - 2e-2), COEFF * (1 + 1e-3));
    }
  }

  /**
   * The whole branch g of that block is a contraction in its norm ‖·‖_{p₀} = ‖·‖₂: its maps are each ≤ coeff in their
   * mixed norms and its activations are 1-Lipschitz in every p-norm, so {@code Lip₂(g) ≤ coeff³}. Checked two ways,
   * after the weights grew 5× and a thorough refresh: the largest singular value of g's Jacobian (brute force, one
   * vector–Jacobian product per output, then power iteration on JᵀJ on the host) at 200 random points, and the
   * ratio {@code ‖g(x) − g(x′)‖₂ / ‖x − x′‖₂} over 2000 random pairs far apart.
   */
  @Test
  void aConvBranchWithInducedNormsIsAContraction() {
    FlowSpec spec = inducedConvBranch(new double[] {2, 3, 1.5, 2});
    int points = 200;
    int pairs = 2000;
    int size = spec.inputShape().size();
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    double[] x = new double[pairs * size];
    double[] other = new double[pairs * size];
    for (int k = 0; k < x.length; k++) {
      x[k] = 2 * random.nextGaussian();
      other[k] = x[k] + 2 * random.nextGaussian();
    }
    int[] dims = spec.inputShape().toArray();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 3);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
      Operand<TFloat64> a = image(tf, x, pairs, dims);
      Operand<TFloat64> b = image(tf, other, pairs, dims);
      Operand<TFloat64> ya = layer.forwardAndLogDet(tf, a, org.flows4j.tf.PassContext.evaluation()).value();
      Operand<TFloat64> yb = layer.forwardAndLogDet(tf, b, org.flows4j.tf.PassContext.evaluation()).value();
      double[] atPoints = java.util.Arrays.copyOf(x, points * size);
      Operand<TFloat64> p = image(tf, atPoints, points, dims);
      Operand<TFloat64> yp = tf.reshape(layer.forwardAndLogDet(tf, p, org.flows4j.tf.PassContext.evaluation())
          .value(), tf.constant(new int[] {points, size}));
      List<Operand<TFloat64>> rows = org.flows4j.tf.BruteForceJacobian.rows(tf, yp, p, points, size);
      try (Session session = new Session(graph)) {
        session.initialize();
        grow(tf, session, flow.trainableVariables(), false);
        session.run(flow.normalizationUpdate(tf, true));
        Session.Runner runner = session.runner().fetch(ya).fetch(yb);
        rows.forEach(runner::fetch);
        double worstPair = 0;
        double worstJacobian = 0;
        try (Result result = runner.run()) {
          double[] outA = HostTensors.toDoubles(result.get(0));
          double[] outB = HostTensors.toDoubles(result.get(1));
          for (int e = 0; e < pairs; e++) {
            double num = 0;
            double den = 0;
            for (int j = 0; j < size; j++) {
              int k = e * size + j;
              double dg = (outA[k] - x[k]) - (outB[k] - other[k]);
              num += dg * dg;
              den += (x[k] - other[k]) * (x[k] - other[k]);
            }
            worstPair = Math.max(worstPair, Math.sqrt(num / den));
          }
          List<double[]> fetchedRows = new ArrayList<>();
          for (int j = 0; j < size; j++) {
            fetchedRows.add(HostTensors.toDoubles(result.get(2 + j)));
          }
          for (int e = 0; e < points; e++) {
            double[][] jg = new double[size][size];
            for (int r = 0; r < size; r++) {
              for (int c = 0; c < size; c++) {
                jg[r][c] = fetchedRows.get(r)[e * size + c] - (r == c ? 1 : 0); // J_g = J_{x+g} − I
              }
            }
            worstJacobian = Math.max(worstJacobian, largestSingularValue(jg, 500));
          }
        }
        double bound = COEFF * COEFF * COEFF;
        System.out.printf("conv branch with orders (2, 3, 1.5, 2): largest ‖J_g‖₂ at %d points %.6f, largest "
            + "‖g(x) − g(x′)‖₂/‖x − x′‖₂ over %d pairs %.6f (bound coeff³ = %.3f)%n", points, worstJacobian, pairs,
            worstPair, bound);
        assertThat(worstJacobian).isLessThanOrEqualTo(bound * (1 + 1e-6)).isGreaterThan(0.05);
        assertThat(worstPair).isLessThanOrEqualTo(bound * (1 + 1e-6));
      }
    }
  }

  private static Operand<TFloat64> image(Ops tf, double[] values, int n, int[] dims) {
    return tf.constant(org.tensorflow.ndarray.Shape.of(n, dims[0], dims[1], dims[2]),
        org.tensorflow.ndarray.buffer.DataBuffers.of(values));
  }

  /** The largest singular value of a square matrix by power iteration on MᵀM (a lower bound that converges). */
  private static double largestSingularValue(double[][] m, int iterations) {
    int n = m.length;
    double[] v = new double[n];
    java.util.Arrays.fill(v, 1 / Math.sqrt(n));
    double sigma = 0;
    for (int t = 0; t < iterations; t++) {
      double[] mv = multiply(m, v);
      double[] w = new double[n];
      for (int j = 0; j < n; j++) {
        for (int r = 0; r < n; r++) {
          w[j] += m[r][j] * mv[r];
        }
      }
      double norm = norm(w, 2);
      if (norm == 0) {
        return 0;
      }
      for (int j = 0; j < n; j++) {
        v[j] = w[j] / norm;
      }
      sigma = norm(multiply(m, v), 2);
    }
    return sigma;
  }

  /** One conv residual block on 3×3×2 images, width 3, normalised in the induced norms of {@code orders}. */
  private static FlowSpec inducedConvBranch(double[] orders) {
    return Flows.sequential(Shape.of(3, 3, 2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(3).spectralNormalization(
            new org.flows4j.api.residual.SpectralNormalization(COEFF, 1e-6, 200).withOrders(orders))))
        .build();
  }

  /** The branch's normalised maps as matrices {@code [out, in]}, after the weights grew 5× and a thorough update. */
  private static List<double[][]> normalisedMatrices(FlowSpec spec, boolean convolution) {
    return normalisedMatrices(spec, convolution, 3);
  }

  private static List<double[][]> normalisedMatrices(FlowSpec spec, boolean convolution, long seed) {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, seed);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
      List<Operand<TFloat64>> matrices = new ArrayList<>();
      for (Operand<TFloat64> w : layer.normalizedWeights(tf)) {
        matrices.add(convolution ? convolutionMatrix(tf, w, spec.inputShape(), (int) w.shape().get(2)) : w);
      }
      try (Session session = new Session(graph)) {
        session.initialize();
        grow(tf, session, flow.trainableVariables(), !convolution);
        session.run(flow.normalizationUpdate(tf, true));
        Session.Runner runner = session.runner();
        matrices.forEach(runner::fetch);
        List<double[][]> values = new ArrayList<>();
        try (Result result = runner.run()) {
          for (int i = 0; i < matrices.size(); i++) {
            double[] flat = HostTensors.toDoubles(result.get(i));
            int rows = (int) result.get(i).shape().get(0);
            int cols = flat.length / rows;
            double[][] m = new double[rows][cols];
            for (int r = 0; r < rows; r++) {
              System.arraycopy(flat, r * cols, m[r], 0, cols);
            }
            values.add(m);
          }
        }
        return values;
      }
    }
  }

  /** Projected gradient ascent on {@code log ‖Mx‖_q − log ‖x‖_p} with step halving; the best ratio found. */
  static double maximiseRatio(double[][] m, double p, double q, int starts, int steps, long seed) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    int n = m[0].length;
    double best = 0;
    for (int s = 0; s < starts; s++) {
      double[] x = new double[n];
      for (int j = 0; j < n; j++) {
        x[j] = random.nextGaussian();
      }
      double value = logRatio(m, x, p, q);
      double eta = 0.5;
      for (int t = 0; t < steps && eta > 1e-9; t++) {
        double[] y = multiply(m, x);
        double yNorm = norm(y, q);
        double xNorm = norm(x, p);
        double[] gy = new double[y.length];
        for (int r = 0; r < y.length; r++) {
          gy[r] = Math.signum(y[r]) * Math.pow(Math.abs(y[r]) / yNorm, q - 1) / yNorm;
        }
        double[] next = new double[n];
        for (int j = 0; j < n; j++) {
          double g = -Math.signum(x[j]) * Math.pow(Math.abs(x[j]) / xNorm, p - 1) / xNorm;
          for (int r = 0; r < y.length; r++) {
            g += m[r][j] * gy[r];
          }
          next[j] = x[j] + eta * xNorm * xNorm * g;
        }
        double nextValue = logRatio(m, next, p, q);
        if (nextValue > value) {
          x = next;
          value = nextValue;
          eta *= 1.2;
        } else {
          eta /= 2;
        }
      }
      best = Math.max(best, Math.exp(value));
    }
    return best;
  }

  private static double logRatio(double[][] m, double[] x, double p, double q) {
    return Math.log(norm(multiply(m, x), q)) - Math.log(norm(x, p));
  }

  private static double[] multiply(double[][] m, double[] x) {
    double[] y = new double[m.length];
    for (int r = 0; r < m.length; r++) {
      for (int j = 0; j < x.length; j++) {
        y[r] += m[r][j] * x[j];
      }
    }
    return y;
  }

  private static double norm(double[] x, double p) {
    double max = 0;
    for (double v : x) {
      max = Math.max(max, Math.abs(v));
    }
    if (max == 0) {
      return 0;
    }
    double sum = 0;
    for (double v : x) {
      sum += Math.pow(Math.abs(v) / max, p);
    }
    return max * Math.pow(sum, 1 / p);
  }

  /**
   * Scales every weight 5×, and for MLP branches adds N(0, 0.3²) noise, so the normalisation has real work to do on
   * every map (an MLP branch's last layer starts near zero, the official init, and scaling alone would leave it
   * below the bound).
   */
  static <T extends TFloating> void grow(Ops tf, Session session, List<Variable<T>> variables, boolean noise) {
    List<org.tensorflow.op.Op> grow = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      Variable<T> v = variables.get(i);
      Class<T> type = v.type();
      Operand<T> added = tf.math.mul(tf.dtypes.cast(tf.constant(noise ? 0.3 : 0.0), type),
          tf.random.statelessRandomNormal(tf.shape(v), tf.constant(new long[] {11, i}), type));
      grow.add(tf.assign(v, tf.math.add(tf.math.mul(v, tf.dtypes.cast(tf.constant(5.0), type)), added)));
    }
    session.run(tf.withControlDependencies(grow).noOp());
  }

  /**
   * The matrix of {@code v ↦ conv(v, kernel)} on {@code [h, w, in]} inputs: convolve every basis image, one
   * column each.
   */
  static Operand<TFloat64> convolutionMatrix(Ops tf, Operand<TFloat64> kernel, Shape shape, int in) {
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

  /**
   * The bound for a conv branch with narrow maps (1 ↔ 12 channels, computed in {@link NarrowConvolution}'s two-part
   * form, in the branch, the power iteration and the thorough refresh's Lanczos bidiagonalisation), in float64 and in
   * float32; the loop bodies are checked to hold that form: per power iteration, W and Wᵀ of the two narrow 3x3 maps
   * are a matrix product and a 0/1 convolution each, and the 1x1 map between them two matrix products.
   */
  @Test
  void narrowConvolutionOperatorsAreWithinTheBound() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 1))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(12).lipschitzCoeff(COEFF))).build();
    assertThat(NarrowConvolution.suits(3, 1, 12)).isTrue();
    for (Class<? extends TFloating> type : List.of(TFloat64.class, TFloat32.class)) {
      List<Double> sigmas = largestSingularValues(spec, true, type);
      System.out.println(type.getSimpleName() + " narrow convolution operator norms after normalisation: " + sigmas);
      assertThat(sigmas).as(type.getSimpleName()).hasSize(3)
          .allSatisfy(sigma -> assertThat(sigma).isBetween(COEFF - 0.01, COEFF + 1e-3));
    }
    for (boolean thorough : List.of(false, true)) {
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        FlowCompiler.compile(tf, spec, 3).normalizationUpdate(tf, thorough);
        java.util.Map<String, Integer> power = linearOps(graph, "power_iteration_body");
        if (!thorough) {
          assertThat(power).as("linear ops in the power iteration's body")
              .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("Conv2D", 4, "MatMul", 6));
          continue;
        }
        // The thorough refresh: every map by Lanczos bidiagonalisation, none by the power method; a 3x3 map's loop
        // body applies the map or its adjoint 2·CHUNK + 1 times, each a single 0/1 convolution.
        assertThat(power).as("linear ops of the thorough refresh's power iteration").isEmpty();
        long lanczosBodies = graph.getFunctions().stream()
            .filter(f -> f.getDefinedName().startsWith("lanczos_bidiagonalization_body")).count();
        assertThat(lanczosBodies).as("one Lanczos body per map's shape").isEqualTo(3);
        assertThat(linearOps(graph, "lanczos_bidiagonalization_body").get("Conv2D"))
            .isEqualTo(2 * (2 * LanczosBidiagonalization.CHUNK + 1));
      }
    }
  }

  /** The number of ops of each linear kind (Conv2D…, MatMul…) in the graph's functions named {@code prefix…}. */
  private static java.util.Map<String, Integer> linearOps(Graph graph, String prefix) {
    java.util.Map<String, Integer> linear = new java.util.TreeMap<>();
    for (var function : graph.getFunctions()) {
      if (function.getDefinedName().startsWith(prefix)) {
        for (var node : function.getFunctionDef().getNodeDefList()) {
          if (node.getOp().contains("Conv2D") || node.getOp().contains("MatMul")) {
            linear.merge(node.getOp(), 1, Integer::sum);
          }
        }
      }
    }
    return linear;
  }
}
