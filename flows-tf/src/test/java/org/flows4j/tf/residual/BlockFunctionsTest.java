package org.flows4j.tf.residual;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.step.Squeeze;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.flows4j.tf.gradients.SafeGradients;
import org.flows4j.tf.layers.Tensors;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

/**
 * Blocks called as TF functions ({@link BlockFunctions}) against the same blocks built inline in the main graph, in
 * float64 with the same seeds: the same {@code (y, logDet)} and, through the backward function's recomputation, the
 * same gradients for x and every variable of the block (Neumann gradient of a roulette estimate; backpropagation
 * through a truncated series). Plus the structure: one forward and one backward body per block kind, shared by
 * every block of that kind.
 */
class BlockFunctionsTest {
  private static FlowSpec blocks(Shape shape, ResidualBranch branch, LogDetEstimator estimator, int count) {
    return Flows.sequential(shape)
        .steps(count, s -> s.residualBlock(b -> b.branch(branch).activation(Activation.LIPSWISH).logDet(estimator)))
        .build();
  }

  @Test
  void aCalledBlockHasTheInlineBlocksValuesAndGradients() {
    record Case(Shape shape, ResidualBranch branch, LogDetEstimator estimator) {}
    for (Case c : List.of(
        new Case(Shape.of(3), new LipschitzMlp(List.of(8, 8)), LogDet.russianRoulette(0.5)),
        new Case(Shape.of(3, 3, 2), new LipschitzConvNet(5, true), LogDet.truncatedSeries(3)),
        // A fully connected branch on an image (the image presets' last blocks): the body flattens the example.
        new Case(Shape.of(3, 3, 2), new LipschitzMlp(List.of(4, 4)), LogDet.russianRoulettePoisson(2)),
        new Case(Shape.of(3, 3, 2), new LipschitzMlp(List.of(4, 4)), LogDet.truncatedSeries(3)))) {
      // Two blocks: a block alone of its kind is built in place, not called.
      assertCalledBlocksMatchInlineBlocks(c.toString(), blocks(c.shape(), c.branch(), c.estimator(), 2));
    }
  }

  /**
   * Conv blocks at two scales of one image model (4×4×4, then 2×2×16 after a squeeze), in one graph: their bodies
   * differ only in shape constants, and TensorFlow's body hash once gave both the same function name, so the second
   * scale's gradient ran the first scale's body ("Incompatible shapes").
   */
  @Test
  void blocksAtTwoScalesOfOneModelEachRunTheirOwnBodies() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 4))
        .steps(2, s -> s.residualBlock(b -> b.branch(new LipschitzConvNet(5, true))
            .logDet(LogDet.russianRoulettePoisson(2))))
        .add(new Squeeze(2))
        .steps(2, s -> s.residualBlock(b -> b.branch(new LipschitzConvNet(5, true))
            .logDet(LogDet.russianRoulettePoisson(2))))
        .build();
    assertCalledBlocksMatchInlineBlocks("two scales", spec);
  }

  /** Every residual block of the flow, called and inline, on the input the flow gives it, in one graph. */
  private static void assertCalledBlocksMatchInlineBlocks(String what, FlowSpec spec) {
    try (Graph graph = new Graph(); Session session = new Session(graph)) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 5);
      Operand<TFloat64> x = normal(tf, 1, spec.inputShape());
      List<Operand<?>> fetches = new ArrayList<>();
      List<String> names = new ArrayList<>();
      int index = 0;
      for (var anyLayer : flow.layers()) {
        if (anyLayer instanceof ResidualLayer<TFloat64> layer) {
          Operand<TFloat64> dy = normal(tf, 2 + index, layer.exampleShape());
          Transformed<TFloat64> called = layer.forwardAndLogDet(tf, x, PassContext.training());
          Transformed<TFloat64> inline = layer.forwardAndLogDet(tf, x, layer.branchWeights(tf),
              layer.probeSeed(tf), layer.countSeed(tf), layer.spec().logDet());
          List<Operand<?>> wrt = new ArrayList<>(List.of(x));
          wrt.addAll(layer.variables());
          List<Operand<?>> calledGradients = SafeGradients.gradientsOrZeros(tf, objective(tf, called, dy), wrt);
          List<Operand<?>> inlineGradients = SafeGradients.gradientsOrZeros(tf, objective(tf, inline, dy), wrt);
          String block = what + ", block " + index;
          fetches.addAll(List.of(called.value(), inline.value(), called.logDet(), inline.logDet()));
          names.addAll(List.of(block + ": y", block + ": log-det"));
          for (int i = 0; i < wrt.size(); i++) {
            fetches.add(calledGradients.get(i));
            fetches.add(inlineGradients.get(i));
            names.add(block + ": gradient " + i);
          }
          x = inline.value();
        } else {
          x = anyLayer.forwardAndLogDet(tf, x, PassContext.training()).value();
        }
        index++;
      }
      session.initialize();
      var runner = session.runner();
      fetches.forEach(runner::fetch);
      try (Result r = runner.run()) {
        for (int pair = 0; pair < names.size(); pair++) {
          double tolerance = names.get(pair).endsWith(": y") ? 1e-12 : names.get(pair).endsWith("log-det") ? 1e-10
              : 1e-9;
          assertClose(r, 2 * pair, tolerance, names.get(pair));
          if (names.get(pair).endsWith("log-det")) {
            double[] logDet = HostTensors.toDoubles(r.get(2 * pair));
            assertThat(java.util.Arrays.stream(logDet).map(Math::abs).max().orElse(0))
                .as("%s is not trivially zero", names.get(pair)).isGreaterThan(1e-6);
          }
        }
      }
    }
  }

  @Test
  void blocksOfOneKindShareOneForwardAndOneBackwardFunction() {
    int[] functionCounts = new int[2];
    int[] callCounts = new int[2];
    int[] depths = {2, 6};
    for (int i = 0; i < depths.length; i++) {
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph);
        CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf,
            blocks(Shape.of(2), new LipschitzMlp(List.of(8)), LogDet.russianRoulette(0.5), depths[i]), 5);
        Transformed<TFloat64> out = flow.forwardAndLogDet(tf, normal(tf, 1, Shape.of(2)), PassContext.training());
        SafeGradients.gradientsOrZeros(tf, tf.reduceSum(out.logDet(), tf.constant(0)), flow.trainableVariables());
        functionCounts[i] = graph.getFunctions().size();
        for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
          callCounts[i] += it.next().type().equals("PartitionedCall") ? 1 : 0;
        }
      }
    }
    assertThat(functionCounts[1]).as("functions in the library at 6 blocks vs 2").isEqualTo(functionCounts[0]);
    assertThat(callCounts).as("calls at 2 and 6 blocks: a forward and a backward call per block")
        .containsExactly(4, 12);
  }

  /**
   * The backward calls instantiate their bodies with Grappler off (it cost the first step more than it saved, see
   * {@code BlockFunctions}); the forward calls keep TensorFlow's defaults.
   */
  @Test
  void backwardCallsInstantiateTheirBodiesWithoutGrappler() throws Exception {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf,
          blocks(Shape.of(2), new LipschitzMlp(List.of(8)), LogDet.russianRoulette(0.5), 2), 5);
      Transformed<TFloat64> out = flow.forwardAndLogDet(tf, normal(tf, 1, Shape.of(2)), PassContext.training());
      SafeGradients.gradientsOrZeros(tf, tf.reduceSum(out.logDet(), tf.constant(0)), flow.trainableVariables());
      java.util.Map<String, Boolean> grapplerOffByCall = new java.util.TreeMap<>();
      for (var node : graph.toGraphDef().getNodeList()) {
        if (node.getOp().equals("PartitionedCall")) {
          var config = org.tensorflow.proto.ConfigProto.parseFrom(node.getAttrOrThrow("config_proto").getS());
          String kind = node.getName().contains("ResidualBlockGrad") ? "backward" : "forward";
          grapplerOffByCall.merge(kind, config.getGraphOptions().getRewriteOptions().getDisableMetaOptimizer(),
              (a, b) -> a && b);
        }
      }
      assertThat(grapplerOffByCall).containsExactlyEntriesOf(new java.util.TreeMap<>(java.util.Map.of(
          "backward", true, "forward", false)));
    }
  }

  /**
   * A block alone of its kind that backpropagates through a truncated series is built in place (it would share no
   * body, and its backward call would recompute the unrolled series); a lone block with the Neumann gradient stays
   * a call (its call keeps only its input between the passes), and so do blocks that share a kind.
   */
  @Test
  void aBlockAloneOfItsKindThatBackpropagatesThroughItsSeriesIsBuiltInPlace() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(2, s -> s.residualBlock(b -> b.branch(new LipschitzMlp(List.of(8)))))
        .steps(1, s -> s.residualBlock(b -> b.branch(new LipschitzMlp(List.of(6))).logDet(LogDet.truncatedSeries(3))))
        .steps(1, s -> s.residualBlock(b -> b.branch(new LipschitzMlp(List.of(4)))))
        .build();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 5);
      Transformed<TFloat64> out = flow.forwardAndLogDet(tf, normal(tf, 1, Shape.of(2)), PassContext.training());
      SafeGradients.gradientsOrZeros(tf, tf.reduceSum(out.logDet(), tf.constant(0)), flow.trainableVariables());
      int calls = 0;
      for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
        calls += it.next().type().equals("PartitionedCall") ? 1 : 0;
      }
      assertThat(calls).as("a forward and a backward call for the two blocks of one kind and the lone Neumann block, "
          + "none for the lone backpropagating block").isEqualTo(6);
    }
  }

  /**
   * With the Neumann gradient the forward call hands the series' Neumann vector to the backward call, so the
   * backward body has no series loop (one branch pass and a Jacobian–vector product), while the forward body has it.
   */
  @Test
  void aNeumannBlocksBackwardBodyRunsNoSeriesLoop() {
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf,
          blocks(Shape.of(3, 3, 2), new LipschitzConvNet(5, true), LogDet.russianRoulette(0.5), 2), 5);
      Transformed<TFloat64> out = flow.forwardAndLogDet(tf, normal(tf, 1, Shape.of(3, 3, 2)), PassContext.training());
      SafeGradients.gradientsOrZeros(tf, tf.reduceSum(out.logDet(), tf.constant(0)), flow.trainableVariables());
      java.util.Map<String, Long> loopsByFunction = new java.util.TreeMap<>();
      for (var function : graph.toGraphDef().getLibrary().getFunctionList()) {
        String name = function.getSignature().getName();
        if (name.startsWith("residual_block")) {
          loopsByFunction.put(name.replaceAll("_[^_]+$", ""), function.getNodeDefList().stream()
              .filter(n -> n.getOp().endsWith("While")).count());
        }
      }
      assertThat(loopsByFunction).as("while loops per block function")
          .containsExactlyEntriesOf(new java.util.TreeMap<>(java.util.Map.of(
              "residual_block_0", 1L, "residual_block_grad_0", 0L)));
    }
  }

  /**
   * The data-dependent initialisation pass (ActNorm's) needs only each block's y. A call op runs its whole body,
   * series loop included, so in that pass y is built in place from the branch's forward pass: the init op depends on
   * no block call and no loop, while the training pass of the same flow calls its blocks. Running the init op then
   * initialises every ActNorm, those after the blocks included.
   */
  @Test
  void theDataInitialisationPassDependsOnNoBlockCallAndNoSeriesLoop() {
    Shape shape = Shape.of(3, 3, 2);
    FlowSpec spec = Flows.sequential(shape).steps(2, s -> s.actNorm().residualBlock(b -> b
        .branch(new LipschitzConvNet(5, true)).logDet(LogDet.russianRoulettePoisson(2)))).steps(1, s -> s.actNorm()).build();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(tf, spec, 5);
      Operand<TFloat64> x = normal(tf, 1, shape);
      String initName = flow.dataInitialization(tf, x).op().name();
      Transformed<TFloat64> training = flow.forwardAndLogDet(tf, x, PassContext.training());
      java.util.Map<String, org.tensorflow.proto.NodeDef> nodes = new java.util.HashMap<>();
      graph.toGraphDef().getNodeList().forEach(node -> nodes.put(node.getName(), node));
      assertThat(ancestorTypes(nodes, initName)).as("op types the initialisation runs")
          .contains("Assign").doesNotContain("PartitionedCall", "While", "StatelessWhile");
      assertThat(ancestorTypes(nodes, training.logDet().op().name())).as("op types of the training pass")
          .contains("PartitionedCall");
      try (Session session = new Session(graph)) {
        session.initialize();
        session.runner().addTarget(initName).run().close();
        try (Result flags = session.runner().fetch(flow.initialized(tf)).run()) {
          assertThat(((org.tensorflow.types.TBool) flags.get(0)).getBoolean()).as("every ActNorm initialised")
              .isTrue();
        }
      }
    }
  }

  /** The op types of {@code name} and of every op it depends on, through data and control inputs. */
  private static java.util.Set<String> ancestorTypes(java.util.Map<String, org.tensorflow.proto.NodeDef> nodes,
      String name) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    java.util.Set<String> types = new java.util.TreeSet<>();
    java.util.Deque<String> pending = new java.util.ArrayDeque<>(List.of(name));
    while (!pending.isEmpty()) {
      String next = pending.pop();
      if (!seen.add(next)) {
        continue;
      }
      org.tensorflow.proto.NodeDef node = nodes.get(next);
      types.add(node.getOp());
      for (String input : node.getInputList()) {
        String op = input.startsWith("^") ? input.substring(1) : input;
        int colon = op.indexOf(':');
        pending.push(colon < 0 ? op : op.substring(0, colon));
      }
    }
    return types;
  }

  private static Operand<TFloat64> objective(Ops tf, Transformed<TFloat64> t, Operand<TFloat64> dy) {
    return tf.math.add(Tensors.sumAll(tf, tf.math.mul(t.value(), dy)),
        Tensors.sumAll(tf, tf.math.mul(t.logDet(), tf.constant(0.7))));
  }

  private static void assertClose(Result r, int index, double tolerance, String what) {
    double[] a = HostTensors.toDoubles(r.get(index));
    double[] b = HostTensors.toDoubles(r.get(index + 1));
    assertThat(a).as(what).hasSameSizeAs(b);
    double scale = 0;
    double error = 0;
    for (int i = 0; i < a.length; i++) {
      scale = Math.max(scale, Math.abs(b[i]));
      error = Math.max(error, Math.abs(a[i] - b[i]));
    }
    assertThat(error).as("%s: max |called - inline| (scale %s)", what, scale)
        .isLessThanOrEqualTo(tolerance * Math.max(1, scale));
  }

  private static Operand<TFloat64> normal(Ops tf, long stream, Shape shape) {
    long[] dims = new long[shape.rank() + 1];
    dims[0] = 4;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return tf.random.statelessRandomNormal(tf.constant(dims), tf.constant(new long[] {11, stream}),
        TFloat64.class);
  }
}
