package org.flows4j.tf;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;
import org.tensorflow.types.family.TFloating;

/** A graph and its session for one test, closed together; fetches come back as doubles. */
public final class GraphFixture implements AutoCloseable {
  /**
   * Sessions run the graph as built: no Grappler (the meta-optimizer) and no classic graph optimisation (constant
   * folding, common subexpressions). A check's graph runs once or twice, so optimising it cost far more than it
   * saved: on the conformance suite's Flow++ (31 000 ops) the first run took 152 s with them and 11 s without
   * (the second run 1 s either way; a loaded 2-core machine). The checks then see exactly the ops the code built;
   * training, evaluation and export, which run their graphs many times, keep TensorFlow's defaults.
   */
  private static final ConfigProto AS_BUILT = ConfigProto.newBuilder()
      .setGraphOptions(GraphOptions.newBuilder()
          .setOptimizerOptions(OptimizerOptions.newBuilder().setOptLevel(OptimizerOptions.Level.L0))
          .setRewriteOptions(RewriterConfig.newBuilder().setDisableMetaOptimizer(true)))
      .build();

  public final Graph graph = new Graph();
  public final Ops tf = Ops.create(graph);
  private Session session;

  /** Opens the session and runs the variable initialisers; call after building the variables. */
  public Session session() {
    if (session == null) {
      session = new Session(graph, AS_BUILT);
      session.initialize();
    }
    return session;
  }

  public void run(Op op, Map<Operand<?>, Tensor> feeds) {
    Session.Runner runner = session().runner();
    feeds.forEach(runner::feed);
    runner.addTarget(op).run().close();
  }

  public List<double[]> fetch(List<? extends Operand<?>> fetches, Map<Operand<?>, Tensor> feeds) {
    Session.Runner runner = session().runner();
    feeds.forEach(runner::feed);
    fetches.forEach(runner::fetch);
    List<double[]> values = new ArrayList<>();
    try (Result result = runner.run()) {
      for (int i = 0; i < fetches.size(); i++) {
        values.add(HostTensors.toDoubles(result.get(i)));
      }
    }
    return values;
  }

  public double[] fetch(Operand<?> fetch, Map<Operand<?>, Tensor> feeds) {
    return fetch(List.of(fetch), feeds).get(0);
  }

  /**
   * Moves every variable away from its initial value by {@code v += scale · N(0, 1)}, seeded. Zero-initialised
   * last layers make fresh couplings the identity, which would let log-det and gradient checks pass trivially.
   */
  public <T extends TFloating> void perturb(List<Variable<T>> variables, double scale, long seed) {
    List<Op> assigns = new ArrayList<>();
    for (int i = 0; i < variables.size(); i++) {
      Variable<T> v = variables.get(i);
      Class<T> type = v.type();
      Operand<T> noise = tf.random.statelessRandomNormal(
          tf.shape(v), tf.constant(new long[] {seed, i}), type);
      assigns.add(tf.assign(v, tf.math.add(v, tf.math.mul(noise, tf.dtypes.cast(tf.constant(scale), type)))));
    }
    Op all = tf.withControlDependencies(assigns).noOp();
    run(all, Map.of());
  }

  @Override
  public void close() {
    if (session != null) {
      session.close();
    }
    graph.close();
  }
}
