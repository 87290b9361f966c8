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
  /** The devices each running server was started with: fixed for its lifetime. */
  private static final Map<String, LocalDevices> DEVICES = new HashMap<>();

  private WorkerServer() {}

  /** Starts (once) the server of {@code cluster}'s own task. */
  static synchronized void ensureStarted(Cluster cluster, LocalDevices devices) {
    String key = cluster.workers() + "#" + cluster.taskIndex();
    if (RUNNING.containsKey(key)) {
      int started = DEVICES.get(key).devices();
      if (started != devices.devices()) {
        throw new IllegalStateException("the TensorFlow server of " + cluster.describeTask(cluster.taskIndex())
            + " in this process was started with " + started + " device(s), and a server's devices are fixed "
            + "when it starts; every trainer of this process must use the same number of devices, but this one "
            + "asks for " + devices.devices());
      }
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
      DEVICES.put(key, devices);
    } catch (RuntimeException e) {
      String port = cluster.address().substring(cluster.address().lastIndexOf(':') + 1);
      throw new ClusterConfigException("cannot start the TensorFlow server of " + cluster.describeTask(
          cluster.taskIndex()) + ": port " + port + " is in use or cannot be bound (" + firstLine(e.getMessage())
          + "). Pick a free port for this task in --cluster / TF_CONFIG, or stop the process that holds it.");
    }
  }

  /** The devices this process's server for {@code cluster}'s task was started with; one CPU if it was not. */
  static synchronized LocalDevices devicesOf(Cluster cluster) {
    return DEVICES.getOrDefault(cluster.workers() + "#" + cluster.taskIndex(), LocalDevices.ONE_CPU);
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
