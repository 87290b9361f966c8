package org.flows4j.tf.distributed;

import com.google.common.base.Preconditions;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.TargetedSessions;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What one gradient exchange costs on this cluster, for benchmarks: the same {@code CollectiveReduceV2} (Add, then
 * Div) that training runs once per update, over a vector of the given size, timed on its own in a small graph on
 * this worker's TensorFlow server. Every worker must call {@link #secondsPerAllReduce} with the same arguments at
 * the same point (it is a collective: the calls meet), after or before training, never during it.
 *
 * <p>The time is wall-clock time of a session run that only performs the all-reduce (the vector is filled on the
 * device, and nothing is fetched back), so it is what the collective adds to a step: transfer, reduction and the
 * wait for the slowest worker.
 */
public final class AllReduceTiming {
  /** Instance keys of the probes; training uses 1 to 4 and 100 upwards. */
  private static final int FIRST_PROBE_KEY = 50;
  private static int nextProbeKey = FIRST_PROBE_KEY;
  /** Timed runs per probe, after one untimed run. */
  public static final int REPEATS = 20;

  private AllReduceTiming() {}

  /**
   * Mean seconds per all-reduce of {@code floats} float32 values over {@code cluster}'s workers, over
   * {@link #REPEATS} runs after one untimed run (which sets the collective up).
   */
  public static synchronized double secondsPerAllReduce(Cluster cluster, long floats) {
    Preconditions.checkArgument(floats >= 1, "floats must be at least 1, but was %s", floats);
    int repeats = REPEATS;
    int key = nextProbeKey++;
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      Operand<TFloat32> vector = tf.fill(tf.constant(new long[] {floats}), tf.constant(1f));
      LocalDevices devices = WorkerServer.devicesOf(cluster); // the running server's, whatever they are
      // The same op as the trainer's gradient all-reduce: NCCL on a GPU worker, the ring on a CPU one.
      Operand<TFloat32> mean = new Collectives(cluster, devices.type()).reduceOnDevices(tf, vector, "Add", "Div",
          key);
      Op reduce = tf.withControlDependencies(java.util.List.of(mean)).noOp();
      WorkerServer.ensureStarted(cluster, devices);
      try (Session session = TargetedSessions.open(graph, "grpc://" + cluster.address(),
          WorkerServer.sessionConfig(cluster, devices))) {
        session.run(reduce);
        long start = System.nanoTime();
        for (int i = 0; i < repeats; i++) {
          session.run(reduce);
        }
        return (System.nanoTime() - start) / 1e9 / repeats;
      }
    }
  }
}
