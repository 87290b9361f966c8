package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.gradients.SafeGradients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;

/**
 * The log-det series' graph structure: a term of the series is the branch's transposed linear maps and elementwise
 * products only — the branch's forward pass (activations, forward linear maps) is computed once, outside the
 * while loop, and in the backpropagated series once for all terms. Plus the factored Jacobian's products against
 * TensorFlow's own autodiff of the forward pass, in float64.
 */
class SeriesLoopStructureTest {
  /**
   * Op types that evaluate an activation or its derivative: LipSwish and softplus' σ, tanh, ELU, softplus, and the
   * {@code min(z, 0)} of ELU's derivative {@code exp(min(z, 0))} (not Exp itself: the roulette's term weights use it
   * on scalars).
   */
  private static final Set<String> ACTIVATION_OPS = Set.of("Sigmoid", "Tanh", "Elu", "Softplus", "Minimum");
  /**
   * Op types that apply a linear map, forward or transposed; with oneDNN's kernels built directly in the loop
   * body ({@link LinearKernels}) in float32 and bfloat16.
   */
  private static final Set<String> LINEAR_OPS =
      Set.of("MatMul", "BatchMatMulV2", "Conv2D", "Conv2DBackpropInput", "_MklMatMul", "_MklNativeConv2D");
  /** Op types that rearrange a kernel into its transpose's (flip, channel swap): loop invariants, made once. */
  private static final Set<String> KERNEL_REARRANGING_OPS = Set.of("ReverseV2", "Transpose");

  private static FlowSpec block(Shape shape, ResidualBranch branch, Activation activation,
      LogDetEstimator estimator) {
    return Flows.sequential(shape)
        .steps(1, s -> s.residualBlock(b -> b.branch(branch).activation(activation).logDet(estimator)
            .evaluationLogDet(estimator)))
        .build();
  }

  /** The series loop's body function's nodes. */
  private static List<NodeDef> seriesBodyNodes(Graph graph) {
    List<ConcreteFunction> bodies = new ArrayList<>();
    for (ConcreteFunction function : graph.getFunctions()) {
      if (function.getDefinedName().contains(ResidualLayer.SERIES_LOOP + "_body")) {
        bodies.add(function);
      }
    }
    assertThat(bodies).as("series loop bodies in the graph").hasSize(1);
    return bodies.get(0).getFunctionDef().getNodeDefList();
  }

  /** The op types of the series loop's body function, with multiplicity. */
  private static Map<String, Integer> seriesBodyOps(Graph graph) {
    Map<String, Integer> counts = new HashMap<>();
    for (NodeDef node : seriesBodyNodes(graph)) {
      counts.merge(node.getOp(), 1, Integer::sum);
    }
    return counts;
  }

  private static int count(Map<String, Integer> ops, Set<String> types) {
    return types.stream().mapToInt(t -> ops.getOrDefault(t, 0)).sum();
  }

  private static Map<String, Integer> graphOps(Graph graph) {
    Map<String, Integer> counts = new HashMap<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      counts.merge(it.next().type(), 1, Integer::sum);
    }
    return counts;
  }

  /** Builds the block's log-det in a fresh graph and returns the graph for inspection. */
  private static Graph logDetGraph(FlowSpec spec, Shape shape) {
    Graph graph = new Graph();
    Ops tf = Ops.create(graph);
    CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 3);
    @SuppressWarnings("unchecked")
    ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
    long[] dims = new long[shape.rank() + 1];
    dims[0] = 2;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    Operand<TFloat64> x = tf.zeros(tf.constant(dims), TFloat64.class);
    layer.logDet(tf, x, ((ResidualBlock) spec.steps().get(0)).logDet());
    return graph;
  }

  @Test
  void theConvBlocksSeriesTermHoldsOnlyTheThreeTransposedMapsAndNoActivationNorKernelRearranging() {
    Shape shape = Shape.of(4, 4, 1);
    FlowSpec spec = block(shape, new LipschitzConvNet(8, true), Activation.LIPSWISH, LogDet.russianRoulette(0.5));
    try (Graph graph = logDetGraph(spec, shape)) {
      Map<String, Integer> body = seriesBodyOps(graph);
      assertThat(count(body, ACTIVATION_OPS)).as("activation ops in the loop body %s", body).isZero();
      assertThat(count(body, LINEAR_OPS)).as("linear-map ops in the loop body %s", body).isEqualTo(3);
      assertThat(count(body, KERNEL_REARRANGING_OPS)).as("kernel flips and transposes in the loop body %s", body)
          .isZero();
    }
  }

  /**
   * At width 16 the 1 ↔ 16 maps take {@link NarrowConvolution}'s two-part form (9·1 ≤ 16): each is a matrix product
   * and a 0/1 convolution, five linear ops with the 1×1 map's product, and their kernels enter the loop already
   * arranged, so the body still rearranges none.
   */
  @Test
  void aWideConvBlocksNarrowMapsEnterTheLoopArrangedForTheTwoPartForm() {
    Shape shape = Shape.of(4, 4, 1);
    FlowSpec spec = block(shape, new LipschitzConvNet(16, true), Activation.LIPSWISH, LogDet.russianRoulette(0.5));
    try (Graph graph = logDetGraph(spec, shape)) {
      Map<String, Integer> body = seriesBodyOps(graph);
      assertThat(count(body, ACTIVATION_OPS)).as("activation ops in the loop body %s", body).isZero();
      assertThat(body.getOrDefault("MatMul", 0)).as("matrix products in the loop body %s", body).isEqualTo(3);
      assertThat(body.getOrDefault("Conv2D", 0)).as("0/1 convolutions in the loop body %s", body).isEqualTo(2);
      assertThat(count(body, KERNEL_REARRANGING_OPS)).as("kernel flips and transposes in the loop body %s", body)
          .isZero();
    }
  }

  /**
   * A float32 conv block with {@code seriesPrecision(BFLOAT16)}: the loop body's linear maps (at width 8 the two 3×3
   * adjoint convolutions and the 1×1 map's product; at width 16 the 3×3 ones in the two-part form, each a product
   * and a 0/1 convolution) are bfloat16 ops, no activation is recomputed, and the only casts are the term's vector in
   * and out (the factors are cast outside the loop, and the 0/1 kernels are bfloat16 constants).
   */
  @ParameterizedTest(name = "width {0}: {1} linear ops")
  @CsvSource({"8, 3", "16, 5"})
  void aBfloat16SeriesTermRunsItsLinearMapsInBfloat16(int width, int linearOps) {
    Shape shape = Shape.of(4, 4, 1);
    FlowSpec spec = Flows.sequential(shape)
        .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(width).logDet(LogDet.russianRoulette(0.5))
            .seriesPrecision(SeriesPrecision.BFLOAT16)))
        .build();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat32> flow = FlowCompiler.compile(tf, spec, 3);
      @SuppressWarnings("unchecked")
      ResidualLayer<TFloat32> layer = (ResidualLayer<TFloat32>) flow.layers().get(0);
      layer.logDet(tf, tf.zeros(tf.constant(new long[] {2, 4, 4, 1}), TFloat32.class),
          ((ResidualBlock) spec.steps().get(0)).logDet());
      List<NodeDef> body = seriesBodyNodes(graph);
      List<String> linearTypes = new ArrayList<>();
      List<String> bfloat16Casts = new ArrayList<>();
      Map<String, Integer> ops = new HashMap<>();
      for (NodeDef node : body) {
        ops.merge(node.getOp(), 1, Integer::sum);
        if (LINEAR_OPS.contains(node.getOp())) {
          linearTypes.add(node.getOp() + ":" + node.getAttrOrThrow("T").getType());
        }
        if (node.getOp().equals("Cast")) {
          DataType from = node.getAttrOrThrow("SrcT").getType();
          DataType to = node.getAttrOrThrow("DstT").getType();
          if (from == DataType.DT_BFLOAT16 || to == DataType.DT_BFLOAT16) {
            bfloat16Casts.add(from + "->" + to);
          }
        }
      }
      assertThat(linearTypes).as("linear maps in the loop body %s", ops).hasSize(linearOps)
          .allMatch(t -> t.endsWith(":" + DataType.DT_BFLOAT16));
      assertThat(count(ops, ACTIVATION_OPS)).as("activation ops in the loop body %s", ops).isZero();
      assertThat(bfloat16Casts).as("casts to and from bfloat16 in the loop body")
          .containsExactlyInAnyOrder("DT_FLOAT->DT_BFLOAT16", "DT_BFLOAT16->DT_FLOAT");
    }
  }

  @Test
  void theMlpBlocksSeriesTermHoldsOnlyItsTransposedMapsAndNoActivation() {
    Shape shape = Shape.of(3);
    for (Activation activation : List.of(Activation.LIPSWISH, Activation.TANH, Activation.ELU,
        Activation.SOFTPLUS)) {
      FlowSpec spec = block(shape, new LipschitzMlp(List.of(8, 8)), activation,
          LogDet.truncatedSeries(4).neumannGradient());
      try (Graph graph = logDetGraph(spec, shape)) {
        Map<String, Integer> body = seriesBodyOps(graph);
        assertThat(count(body, ACTIVATION_OPS)).as("%s: activation ops in the loop body %s", activation, body)
            .isZero();
        assertThat(count(body, LINEAR_OPS)).as("%s: linear-map ops in the loop body %s", activation, body)
            .isEqualTo(3);
      }
    }
  }

  @Test
  void theBackpropagatedSeriesEvaluatesTheActivationsOnceWhateverTheNumberOfTerms() {
    Shape shape = Shape.of(4, 4, 1);
    Map<Integer, Integer> activationOps = new HashMap<>();
    for (int terms : new int[] {2, 6}) {
      FlowSpec spec = block(shape, new LipschitzConvNet(8, true), Activation.LIPSWISH,
          LogDet.truncatedSeries(terms));
      try (Graph graph = logDetGraph(spec, shape)) {
        Map<String, Integer> ops = graphOps(graph);
        activationOps.put(terms, count(ops, ACTIVATION_OPS));
      }
    }
    assertThat(activationOps.get(6)).as("activation ops, 6 terms vs 2").isEqualTo(activationOps.get(2));
  }

  /**
   * The factored Jacobian against autodiff, float64, on a conv block with pre-activation and an image MLP block:
   * {@code uᵀJ} from the factors equals {@code tf.gradients(⟨g(x), u⟩, x)}, {@code ⟨u, J v⟩ = ⟨uᵀJ, v⟩}, and the
   * linearisation's output equals the forward pass — products to 1e-10 relative to |uᵀJ|, the output to 1e-12.
   */
  @Test
  void theFactoredJacobianAgreesWithAutodiffOfTheForwardPass() {
    for (var branch : List.<ResidualBranch>of(new LipschitzConvNet(5, true), new LipschitzMlp(List.of(7, 6)))) {
      Shape shape = Shape.of(3, 3, 2);
      try (Graph graph = new Graph(); Session session = new Session(graph)) {
        Ops tf = Ops.create(graph);
        FlowSpec spec = block(shape, branch, Activation.LIPSWISH, LogDet.truncatedSeries(2));
        CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 5);
        @SuppressWarnings("unchecked")
        ResidualLayer<TFloat64> layer = (ResidualLayer<TFloat64>) flow.layers().get(0);
        Operand<TFloat64> x = normal(tf, 1, shape);
        Operand<TFloat64> u = normal(tf, 2, shape);
        Operand<TFloat64> v = normal(tf, 3, shape);
        List<Operand<TFloat64>> weights = layer.branchWeights(tf);
        BranchFunction<TFloat64> g = layer.branch();
        BranchFunction.Linearized<TFloat64> linearized = g.linearize(tf, x, weights);
        Operand<TFloat64> forward = g.forward(tf, x, weights);
        Operand<TFloat64> factoredVjp = g.vjp(tf, linearized.jacobian(), u);
        Operand<TFloat64> factoredJvp = g.jvp(tf, linearized.jacobian(), v);
        @SuppressWarnings("unchecked")
        Operand<TFloat64> autodiffVjp = (Operand<TFloat64>) SafeGradients.gradientsOrZeros(
            tf, tf.reduceSum(tf.math.mul(forward, u), tf.constant(new int[] {0, 1, 2, 3})), List.of(x)).get(0);
        Operand<TFloat64> vjpError = maxAbs(tf, tf.math.sub(factoredVjp, autodiffVjp));
        Operand<TFloat64> adjointError = tf.math.abs(tf.math.sub(sum(tf, tf.math.mul(u, factoredJvp)),
            sum(tf, tf.math.mul(factoredVjp, v))));
        Operand<TFloat64> outputError = maxAbs(tf, tf.math.sub(linearized.output(), forward));
        Operand<TFloat64> vjpScale = maxAbs(tf, autodiffVjp);
        session.initialize();
        try (Result r = session.runner().fetch(vjpError).fetch(adjointError).fetch(outputError).fetch(vjpScale).run()) {
          double scale = HostTensors.toDoubles(r.get(3))[0];
          // The last map starts near zero (the reference's zero_init), so errors are relative to |uᵀJ|.
          assertThat(scale).as("%s: |uᵀJ| is not trivially zero", branch).isGreaterThan(1e-6);
          assertThat(HostTensors.toDoubles(r.get(0))[0] / scale).as("%s: uᵀJ vs autodiff, relative", branch)
              .isLessThan(1e-10);
          assertThat(HostTensors.toDoubles(r.get(1))[0] / scale).as("%s: ⟨u, Jv⟩ - ⟨uᵀJ, v⟩, relative", branch)
              .isLessThan(1e-10);
          assertThat(HostTensors.toDoubles(r.get(2))[0]).as("%s: linearised output vs forward", branch)
              .isLessThan(1e-12);
        }
      }
    }
  }

  private static Operand<TFloat64> normal(Ops tf, long stream, Shape shape) {
    long[] dims = new long[shape.rank() + 1];
    dims[0] = 2;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return tf.random.statelessRandomNormal(tf.constant(dims), tf.constant(new long[] {11, stream}),
        TFloat64.class);
  }

  private static Operand<TFloat64> sum(Ops tf, Operand<TFloat64> x) {
    return tf.reduceSum(x, tf.range(tf.constant(0), tf.rank(x), tf.constant(1)));
  }

  private static Operand<TFloat64> maxAbs(Ops tf, Operand<TFloat64> x) {
    return tf.reduceMax(tf.math.abs(x), tf.range(tf.constant(0), tf.rank(x), tf.constant(1)));
  }
}
