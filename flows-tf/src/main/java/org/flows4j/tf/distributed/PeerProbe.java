package org.flows4j.tf.distributed;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TargetedSessions;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;

/**
 * Finds which workers do not answer, to name them when a collective fails: a TensorFlow session on each other
 * worker's own server runs one constant there (TensorFlow's master service, not a connection of our own). Each
 * probe runs in a daemon thread and counts as failed after a few seconds, so probing never hangs.
 */
final class PeerProbe {
  private static final long PROBE_MILLIS = 5_000;

  private PeerProbe() {}

  /** The tasks other than this one that did not answer. */
  static List<Integer> unreachable(Cluster cluster) {
    ExecutorService pool = Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, "flows4j-peer-probe");
      thread.setDaemon(true);
      return thread;
    });
    try {
      List<@Nullable Future<Boolean>> answers = new ArrayList<>();
      for (int task = 0; task < cluster.size(); task++) {
        int peer = task;
        answers.add(peer == cluster.taskIndex() ? null : pool.submit(() -> answers(cluster, peer)));
      }
      List<Integer> missing = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PROBE_MILLIS);
      for (int task = 0; task < cluster.size(); task++) {
        @Nullable Future<Boolean> answer = answers.get(task);
        if (answer == null) {
          continue;
        }
        try {
          long left = Math.max(1, deadline - System.nanoTime());
          if (!answer.get(left, TimeUnit.NANOSECONDS)) {
            missing.add(task);
          }
        } catch (TimeoutException | ExecutionException e) {
          missing.add(task);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          missing.add(task);
        }
      }
      return missing;
    } finally {
      pool.shutdownNow();
    }
  }

  private static boolean answers(Cluster cluster, int peer) {
    ConfigProto config = ConfigProto.newBuilder()
        .addDeviceFilters("/job:worker/task:" + peer)
        .setOperationTimeoutInMs(PROBE_MILLIS)
        .build();
    try (Graph graph = new Graph()) {
      Ops tf = Ops.create(graph);
      var one = tf.constant(1);
      try (Session session = TargetedSessions.open(graph, "grpc://" + cluster.workers().get(peer), config);
          Result result = session.runner().fetch(one).run()) {
        return result.size() == 1;
      }
    } catch (RuntimeException e) {
      return false;
    }
  }
}
