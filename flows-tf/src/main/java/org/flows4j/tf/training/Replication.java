package org.flows4j.tf.training;

import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * How a trainer's graph is tied to the other replicas of a data-parallel run: the trainer's only hooks for
 * distributed training ({@code org.flows4j.tf.distributed} implements them with TensorFlow collectives). With
 * {@link #none()}, training is single-process and every hook is the identity; the defaults below are those identities, so an
 * implementation overrides only what it changes.
 */
public interface Replication {
  /** One process, one replica: the trainer as it always was. */
  static Replication none() {
    return SingleReplica.INSTANCE;
  }

  /**
   * How many processes train together, exchanging gradients through {@link #mean}. In-graph replicas on several
   * devices of one process count as one: their gradients meet inside the graph.
   */
  default int replicas() {
    return 1;
  }

  /** This replica's index; 0 is the chief, whose state every replica adopts at start-up. */
  default int replicaIndex() {
    return 0;
  }

  /** The session the trainer runs its graph in. */
  default Session openSession(Graph graph) {
    return new Session(graph);
  }

  /**
   * The session the trainer runs its graph in, given the session options the trainer chose for its graph (Grappler
   * passes, XLA; see {@code SessionConfigs}). By default those are not applied: a replication that builds its own
   * session configuration keeps it (the single-process case applies them).
   */
  default Session openSession(Graph graph, ConfigProto tuning) {
    return openSession(graph);
  }

  /** Each value averaged elementwise over the replicas (every replica receives the same result). */
  default List<Operand<TFloat32>> mean(Ops tf, List<Operand<TFloat32>> values) {
    return values;
  }

  /** A model's per-example log-probabilities on one part of a batch, with ops built by {@code tf}. */
  @FunctionalInterface
  interface PerDevice {
    Operand<TFloat32> logProb(Ops tf, Operand<TFloat32> part, int device);
  }

  /**
   * The per-example log-probabilities of {@code batch}, in batch order. In-graph replication splits the batch across
   * devices and builds one copy of the model's ops per device (sharing its variables); otherwise one call.
   */
  default Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> batch, PerDevice model) {
    return model.logProb(tf, batch, 0);
  }

  /** The replicas' batches, concatenated in replica order along the first axis: the global batch. */
  default Operand<TFloat32> globalBatch(Ops tf, Operand<TFloat32> batch) {
    return batch;
  }

  /**
   * Called once the session holds its initial or restored state: checks that every replica trains the same thing
   * ({@code fingerprint}: what must agree, by name) and makes every replica adopt the chief's variables and
   * counters. Returns the chief's counters.
   */
  default long[] adoptChiefState(Graph graph, Session session, Map<String, String> fingerprint, long[] counters) {
    return counters;
  }

  /** Translates a failure while running a step into the error users should see (a missing worker, say). */
  default RuntimeException explain(RuntimeException failure) {
    return failure;
  }

  /** The single-process case: every hook keeps its default, the identity. */
  enum SingleReplica implements Replication {
    INSTANCE;

    @Override
    public Session openSession(Graph graph, ConfigProto tuning) {
      return new Session(graph, tuning);
    }
  }
}
