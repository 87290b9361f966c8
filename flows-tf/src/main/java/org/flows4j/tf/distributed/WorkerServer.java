package org.flows4j.tf.distributed;

import java.util.HashMap;
import java.util.Map;
import org.tensorflow.Server;
import org.tensorflow.proto.ClusterDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.JobDef;
import org.tensorflow.proto.ServerDef;

/**
 * This process's TensorFlow gRPC server, one per task and per JVM. TensorFlow cannot shut a server down
 * ({@code Server.close()} throws "Clean shutdown is not currently implemented"), so it lives until the process
 * ends; a second request for the same task returns it.
 */
final class WorkerServer {
  private static final Map<String, Server> RUNNING = new HashMap<>();

  private WorkerServer() {}

  /** Starts (once) the server of {@code cluster}'s own task. */
  static synchronized void ensureStarted(Cluster cluster, LocalDevices devices) {
    String key = cluster.workers() + "#" + cluster.taskIndex();
    if (RUNNING.containsKey(key)) {
      return;
    }
    JobDef.Builder job = JobDef.newBuilder().setName("worker");
    for (int i = 0; i < cluster.size(); i++) {
      job.putTasks(i, cluster.workers().get(i));
    }
    ServerDef definition = ServerDef.newBuilder()
        .setCluster(ClusterDef.newBuilder().addJob(job))
        .setJobName("worker")
        .setTaskIndex(cluster.taskIndex())
        .setProtocol("grpc")
        .setDefaultSessionConfig(sessionConfig(cluster, devices))
        .build();
    try {
      Server server = new Server(definition);
      server.start();
      RUNNING.put(key, server);
    } catch (RuntimeException e) {
      String port = cluster.address().substring(cluster.address().lastIndexOf(':') + 1);
      throw new ClusterConfigException("cannot start the TensorFlow server of " + cluster.describeTask(
          cluster.taskIndex()) + ": port " + port + " is in use or cannot be bound (" + firstLine(e.getMessage())
          + "). Pick a free port for this task in --cluster / TF_CONFIG, or stop the process that holds it.");
    }
  }

  /**
   * The session settings every task uses: collectives led by task 0, and device discovery limited to this task
   * (otherwise creating a session waits for every worker, with no timeout, instead of failing the first
   * collective after {@link Cluster#timeout()}); and this worker's devices (the server creates its virtual CPU
   * devices from its default session settings, when it starts, so the count is fixed for the process).
   */
  static ConfigProto sessionConfig(Cluster cluster, LocalDevices devices) {
    return devices.configure(ConfigProto.newBuilder())
        .addDeviceFilters("/job:worker/task:" + cluster.taskIndex())
        .setExperimental(ConfigProto.Experimental.newBuilder()
            .setCollectiveGroupLeader(Cluster.taskDevice(0)))
        .build();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no detail";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
