package org.flows4j.tf.distributed;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import org.flows4j.tf.training.Replication;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TargetedSessions;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.DataType;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * One worker of a between-graph, synchronous data-parallel run, as TensorFlow's multi-worker mirrored strategy
 * does it: every worker holds a full copy of the graph and its variables on its own task, runs it in a session on
 * its own gRPC server, and meets the others only in collectives.
 *
 * <ul>
 *   <li>Gradients: the accumulated gradients of all variables are flattened into one vector and averaged with
 *       one {@code CollectiveReduceV2} (Add, then Div) per update, before clipping and the optimizer, so every
 *       worker applies the same update. A ring all-reduce hands every worker the same bits, so the weights stay
 *       bitwise identical.
 *   <li>Non-finite guard and reported loss: one small all-reduce per batch of the per-group finite flags and the
 *       loss; a step is skipped everywhere if any worker saw a non-finite value.
 *   <li>Data-dependent initialisation: {@code CollectiveGatherV2} of the first batches, so every worker
 *       initialises ActNorm (and weight-normalised conditioners) from the statistics of the global batch.
 *   <li>Start-up: a gather of hashes of the spec and of each training option names any difference; then every
 *       variable (weights, optimizer slots, EMA, ActNorm flags, spectral-norm vectors) and the step and batch
 *       counters are broadcast from the chief: a sum over workers where only the chief contributes a non-zero
 *       value, which is exact. Initial weights are therefore the chief's; since initialisers are seeded by the
 *       spec and seed they are already equal, and the broadcast is what makes {@code --resume} work without a
 *       shared disk (only the chief reads its checkpoint).
 *   <li>Several devices per worker: each worker splits its batch across its own devices as {@link LocalDevices}
 *       does (in-graph replicas sharing the worker's variables, their gradients summed in the graph), and the
 *       workers' gradients are then all-reduced as above: devices inside a worker, collectives across workers.
 *       On GPU workers the per-step all-reduce runs on the first GPU with NCCL, on CPU workers with the ring over
 *       gRPC (see {@link Collectives}).
 * </ul>
 */
final class CollectiveReplication implements Replication {
  private static final int FINGERPRINT_KEY = 1;
  private static final int COUNTERS_KEY = 2;
  private static final int FLOAT32_STATE_KEY = 3;
  private static final int OTHER_STATE_KEY = 4;
  /** The first key of the collectives in a training graph; keys are handed out in build order. */
  private static final int FIRST_GRAPH_KEY = 100;
  /**
   * The next key in {@link #keyedGraph}. Restarted for every new graph, so that every worker's graph gets the same
   * keys even when one builds more than one (the chief falling back to an older checkpoint builds a second graph).
   */
  private int nextKey = FIRST_GRAPH_KEY;
  private @Nullable Graph keyedGraph;

  private final Cluster cluster;
  private final Collectives collectives;
  /** This worker's own devices, each computing a share of its batch (in-graph, as {@link LocalDevices}). */
  private final LocalDevices devices;

  CollectiveReplication(Cluster cluster, LocalDevices devices) {
    this.cluster = cluster;
    this.collectives = new Collectives(cluster, devices.type());
    this.devices = devices;
  }

  Cluster cluster() {
    return cluster;
  }

  @Override
  public int replicas() {
    return cluster.size();
  }

  @Override
  public int replicaIndex() {
    return cluster.taskIndex();
  }

  @Override
  public Session openSession(Graph graph) {
    WorkerServer.ensureStarted(cluster, devices);
    return TargetedSessions.open(graph, "grpc://" + cluster.address(),
        WorkerServer.sessionConfig(cluster, devices));
  }

  /**
   * The worker's batch split across its own devices (one device: the whole batch). The devices' gradients meet in
   * the graph (the loss is the mean over the worker's batch); the workers' then meet in {@link #mean}.
   */
  @Override
  public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> batch, PerDevice model) {
    return devices.perExample(tf, batch, model);
  }

  @Override
  public List<Operand<TFloat32>> mean(Ops tf, List<Operand<TFloat32>> values) {
    int key = nextKey(tf);
    List<Operand<TFloat32>> flat = new ArrayList<>();
    long[] sizes = new long[values.size()];
    for (int i = 0; i < values.size(); i++) {
      Shape shape = values.get(i).shape();
      if (shape.isUnknown() || shape.hasUnknownDimension()) {
        throw new IllegalArgumentException("all-reduced values need static shapes, but value " + i + " has "
            + shape);
      }
      sizes[i] = shape.size();
      flat.add(tf.reshape(values.get(i), tf.constant(new long[] {-1})));
    }
    Operand<TFloat32> packed = flat.size() == 1 ? flat.get(0) : tf.concat(flat, tf.constant(0));
    Operand<TFloat32> reduced = collectives.reduceOnDevices(tf, packed, "Add", "Div", key);
    if (values.size() == 1) {
      return List.of(tf.reshape(reduced, tf.constant(values.get(0).shape().asArray())));
    }
    List<Operand<TFloat32>> result = new ArrayList<>();
    long offset = 0;
    for (int i = 0; i < values.size(); i++) {
      Operand<TFloat32> part = tf.slice(reduced, tf.constant(new long[] {offset}), tf.constant(new long[] {sizes[i]}));
      result.add(tf.reshape(part, tf.constant(values.get(i).shape().asArray())));
      offset += sizes[i];
    }
    return result;
  }

  @Override
  public Operand<TFloat32> globalBatch(Ops tf, Operand<TFloat32> batch) {
    return collectives.gather(tf, batch, nextKey(tf));
  }

  private int nextKey(Ops tf) {
    Graph graph = (Graph) tf.scope().env();
    if (graph != keyedGraph) {
      keyedGraph = graph;
      nextKey = FIRST_GRAPH_KEY;
    }
    return nextKey++;
  }

  @Override
  public long[] adoptChiefState(Graph graph, Session session, Map<String, String> fingerprint, long[] counters) {
    try {
      checkSameFingerprint(graph, session, fingerprint);
      return broadcastFromChief(graph, session, counters);
    } catch (TensorFlowException e) {
      throw explain(e);
    }
  }

  @Override
  public RuntimeException explain(RuntimeException failure) {
    if (!(failure instanceof TensorFlowException)) {
      return failure;
    }
    String detail = firstLine(failure.getMessage());
    List<Integer> missing = PeerProbe.unreachable(cluster);
    String restart = " Restart every worker (with --resume to continue from the chief's last checkpoint).";
    if (missing.isEmpty()) {
      return new ClusterException(cluster.describeTask(cluster.taskIndex()) + ": a collective with the other "
          + "workers failed (" + detail + "), though every worker answers now: one was probably busy for longer "
          + "than the cluster timeout (" + cluster.timeout().toSeconds() + " s), e.g. the chief evaluating "
          + "held-out data, checkpointing or exporting between steps. Raise --cluster-timeout above that time."
          + restart, failure);
    }
    StringJoiner names = new StringJoiner(", ");
    missing.forEach(task -> names.add(cluster.describeTask(task)));
    return new ClusterException(names + (missing.size() == 1 ? " does" : " do") + " not answer: "
        + cluster.describeTask(cluster.taskIndex()) + " waited for it up to " + cluster.timeout().toSeconds()
        + " s (" + detail + "). Check that its process runs and that its host:port is reachable from here."
        + restart, failure);
  }

  /** Gathers every worker's hashes of what must agree and names what differs from the chief. */
  private void checkSameFingerprint(Graph graph, Session session, Map<String, String> fingerprint) {
    List<String> names = new ArrayList<>(fingerprint.keySet());
    long[] hashes = new long[names.size()];
    for (int i = 0; i < hashes.length; i++) {
      hashes[i] = Hashing.sha256().hashString(fingerprint.get(names.get(i)), StandardCharsets.UTF_8).asLong();
    }
    Ops tf = Ops.create(graph);
    Placeholder<TInt64> mine = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(1, hashes.length)));
    Operand<TInt64> all = collectives.gather(tf, mine, FINGERPRINT_KEY);
    long[][] table = new long[cluster.size()][hashes.length];
    try (TInt64 fed = TInt64.tensorOf(Shape.of(1, hashes.length));
        Result result = feedAndFetch(session, mine, fed, hashes, all)) {
      TInt64 gathered = (TInt64) result.get(0);
      for (int task = 0; task < cluster.size(); task++) {
        for (int i = 0; i < hashes.length; i++) {
          table[task][i] = gathered.getLong(task, i);
        }
      }
    }
    Map<Integer, List<String>> differences = new LinkedHashMap<>();
    for (int task = 1; task < cluster.size(); task++) {
      for (int i = 0; i < hashes.length; i++) {
        if (table[task][i] != table[0][i]) {
          differences.computeIfAbsent(task, t -> new ArrayList<>()).add(names.get(i));
        }
      }
    }
    if (!differences.isEmpty()) {
      StringJoiner what = new StringJoiner("; ");
      differences.forEach((task, keys) -> what.add(cluster.describeTask(task) + " differs in " + String.join(", ",
          keys)));
      throw new ClusterException("the workers were started with different settings than the chief "
          + cluster.describeTask(0) + ": " + what + ". Start every worker with the same model, data, seed and "
          + "training options.");
    }
  }

  private static Result feedAndFetch(Session session, Placeholder<TInt64> placeholder, TInt64 tensor,
      long[] values, Operand<?> fetch) {
    for (int i = 0; i < values.length; i++) {
      tensor.setLong(values[i], 0, i);
    }
    return session.runner().feed(placeholder, tensor).fetch(fetch).run();
  }

  /**
   * Every variable and the counters take the chief's values: a sum over workers to which only the chief
   * contributes (x + 0 + … + 0 = x exactly).
   */
  private long[] broadcastFromChief(Graph graph, Session session, long[] counters) {
    Ops tf = Ops.create(graph);
    boolean chief = cluster.isChief();
    Placeholder<TInt64> mine = tf.placeholder(TInt64.class, Placeholder.shape(Shape.of(counters.length)));
    Operand<TInt64> chiefCounters = collectives.reduce(tf, mine, "Add", "Id", COUNTERS_KEY);

    List<Output<?>> float32 = new ArrayList<>();
    List<Output<?>> others = new ArrayList<>();
    for (Iterator<GraphOperation> it = graph.operations(); it.hasNext(); ) {
      GraphOperation op = it.next();
      if (op.type().equals("VarHandleOp")) {
        throw new IllegalStateException("resource variable " + op.name() + " is not broadcast: flows4j's graphs "
            + "use ref variables (VariableV2) only");
      }
      if (op.type().equals("VariableV2")) {
        Output<?> variable = op.output(0);
        (baseType(variable) == DataType.DT_FLOAT ? float32 : others).add(variable);
      }
    }
    List<Op> assigns = new ArrayList<>();
    assigns.addAll(broadcast(tf, float32, TFloat32.class, FLOAT32_STATE_KEY, chief));
    assigns.addAll(broadcast(tf, others, TFloat64.class, OTHER_STATE_KEY, chief));
    Op adopt = tf.withControlDependencies(assigns).noOp();
    try (TInt64 fed = TInt64.tensorOf(Shape.of(counters.length))) {
      for (int i = 0; i < counters.length; i++) {
        fed.setLong(chief ? counters[i] : 0, i);
      }
      try (Result result = session.runner().feed(mine, fed).fetch(chiefCounters).addTarget(adopt).run()) {
        TInt64 values = (TInt64) result.get(0);
        long[] adopted = new long[counters.length];
        for (int i = 0; i < adopted.length; i++) {
          adopted[i] = values.getLong(i);
        }
        return adopted;
      }
    }
  }

  /**
   * Assigns to each variable the chief's value, all variables in one collective of type {@code wire} (float32
   * weights travel as they are; the few integer and boolean variables as float64, exact for them).
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  private <W extends TType> List<Op> broadcast(Ops tf, List<Output<?>> variables, Class<W> wire, int key,
      boolean chief) {
    if (variables.isEmpty()) {
      // Still join the collective: every worker has the same variables, so this happens on all or none.
      return List.of();
    }
    List<Operand<W>> flat = new ArrayList<>();
    for (Output<?> variable : variables) {
      Operand<W> value = (Operand<W>) (Operand) tf.dtypes.cast((Operand) tf.identity((Operand) variable), wire);
      Operand<W> contribution = chief ? value : tf.zerosLike(value);
      flat.add(tf.reshape(contribution, tf.constant(new long[] {-1})));
    }
    Operand<W> packed = flat.size() == 1 ? flat.get(0) : tf.concat(flat, tf.constant(0));
    Operand<W> summed = collectives.reduce(tf, packed, "Add", "Id", key);
    List<Op> assigns = new ArrayList<>();
    long offset = 0;
    for (Output<?> variable : variables) {
      long[] dims = variable.shape().asArray();
      long size = variable.shape().size();
      Operand<W> part = tf.slice(summed, tf.constant(new long[] {offset}), tf.constant(new long[] {size}));
      Operand value = tf.dtypes.cast(tf.reshape(part, tf.constant(dims)), (Class) variable.type());
      assigns.add(tf.assign((Operand) variable, value));
      offset += size;
    }
    return assigns;
  }

  private static DataType baseType(Output<?> output) {
    DataType type = output.dataType();
    return type.getNumber() > 100 ? DataType.forNumber(type.getNumber() - 100) : type;
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
