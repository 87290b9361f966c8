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
import org.tensorflow.types.family.TFloating;

/** A graph and its session for one test, closed together; fetches come back as doubles. */
public final class GraphFixture implements AutoCloseable {
  public final Graph graph = new Graph();
  public final Ops tf = Ops.create(graph);
  private Session session;

  /** Opens the session and runs the variable initialisers; call after building the variables. */
  public Session session() {
    if (session == null) {
      session = new Session(graph);
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
