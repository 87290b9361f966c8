package org.flows4j.tf.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The workers of a synchronous data-parallel run and which of them this process is, as TensorFlow's
 * {@code TF_CONFIG} describes them ({@code {"cluster": {"worker": ["host:port", …]}, "task": {"type": "worker",
 * "index": i}}}, the variable Kubeflow's TFJob, TonY and SageMaker set for every task). Task 0 is the chief: it
 * writes checkpoints, metrics, pictures and the SavedModel, and its state is what every worker adopts at start-up.
 *
 * @param workers {@code host:port} of every worker, in task order
 * @param taskIndex this process's position in {@code workers}
 * @param timeout how long a worker waits for the others (to come up, or to answer a collective) before giving up
 *     with an error that names the missing task
 */
public record Cluster(List<String> workers, int taskIndex, Duration timeout) {
  /** About a minute: long enough for every JVM to load TensorFlow and build its graph on a busy machine. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
  /** The environment variable TensorFlow's launchers set. */
  public static final String TF_CONFIG = "TF_CONFIG";
  private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.\\-]*:[0-9]{1,5}");
  private static final ObjectMapper JSON = new ObjectMapper();

  public Cluster {
    workers = ImmutableList.copyOf(workers);
    if (workers.isEmpty()) {
      throw new ClusterConfigException("the cluster has no workers: list them as host:port, e.g. "
          + "--cluster 127.0.0.1:2222,127.0.0.1:2223");
    }
    for (int i = 0; i < workers.size(); i++) {
      checkHostPort(workers.get(i), i);
    }
    for (int i = 0; i < workers.size(); i++) {
      if (workers.indexOf(workers.get(i)) != i) {
        throw new ClusterConfigException("worker " + workers.get(i) + " is listed twice (tasks "
            + workers.indexOf(workers.get(i)) + " and " + i + "): every worker needs its own host:port");
      }
    }
    if (taskIndex < 0 || taskIndex >= workers.size()) {
      throw new ClusterConfigException("the task index must be from 0 to " + (workers.size() - 1)
          + " for a cluster of " + workers.size() + " workers, but was " + taskIndex);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new ClusterConfigException("the cluster timeout must be positive, but was " + timeout);
    }
  }

  /** This process is task {@code taskIndex} of {@code workers}, with the default timeout. */
  public static Cluster of(List<String> workers, int taskIndex) {
    return new Cluster(workers, taskIndex, DEFAULT_TIMEOUT);
  }

  /** The cluster in {@code TF_CONFIG}, or empty when the variable is unset or blank (single-process training). */
  public static Optional<Cluster> fromEnvironment() {
    @Nullable String value = System.getenv(TF_CONFIG);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(fromTfConfig(value));
  }

  /** Parses a {@code TF_CONFIG} value; a {@link ClusterConfigException} says what is wrong and how to write it. */
  public static Cluster fromTfConfig(String json) {
    String form = " The expected form is {\"cluster\": {\"worker\": [\"host:port\", ...]}, "
        + "\"task\": {\"type\": \"worker\", \"index\": i}}.";
    JsonNode root;
    try {
      root = JSON.readTree(json);
    } catch (IOException e) {
      throw new ClusterConfigException("TF_CONFIG is not valid JSON (" + firstLine(e.getMessage()) + ")." + form);
    }
    if (root == null || !root.isObject()) {
      throw new ClusterConfigException("TF_CONFIG must be a JSON object." + form);
    }
    JsonNode cluster = root.path("cluster");
    JsonNode workers = cluster.path("worker");
    if (!workers.isArray() || workers.isEmpty()) {
      throw new ClusterConfigException("TF_CONFIG has no cluster.worker list." + form);
    }
    List<String> jobs = new ArrayList<>();
    cluster.fieldNames().forEachRemaining(jobs::add);
    jobs.remove("worker");
    if (!jobs.isEmpty()) {
      throw new ClusterConfigException("TF_CONFIG lists jobs " + jobs + ", but flows4j trains synchronously with "
          + "all-reduce: list every process under cluster.worker (no chief, ps or evaluator jobs).");
    }
    List<String> hosts = new ArrayList<>();
    for (JsonNode worker : workers) {
      if (!worker.isTextual()) {
        throw new ClusterConfigException("TF_CONFIG's cluster.worker must hold \"host:port\" strings, but has "
            + worker + "." + form);
      }
      hosts.add(worker.asText());
    }
    JsonNode task = root.path("task");
    String type = task.path("type").asText("");
    if (!type.equals("worker")) {
      throw new ClusterConfigException("TF_CONFIG's task.type must be \"worker\", but was "
          + (task.has("type") ? task.get("type") : "missing") + "." + form);
    }
    JsonNode index = task.path("index");
    if (!index.canConvertToInt() || !index.isIntegralNumber()) {
      throw new ClusterConfigException("TF_CONFIG's task.index must be an integer, but was "
          + (task.has("index") ? index : "missing") + "." + form);
    }
    return of(hosts, index.intValue());
  }

  /** The same cluster with another timeout for waiting on the other workers. */
  public Cluster withTimeout(Duration timeout) {
    return new Cluster(workers, taskIndex, timeout);
  }

  public int size() {
    return workers.size();
  }

  /** Task 0 writes the outputs, and its state is what every worker starts from. */
  public boolean isChief() {
    return taskIndex == 0;
  }

  /** This task's {@code host:port}. */
  public String address() {
    return workers.get(taskIndex);
  }

  /** The TensorFlow device name of task {@code index}, e.g. {@code /job:worker/replica:0/task:1}. */
  static String taskDevice(int index) {
    return "/job:worker/replica:0/task:" + index;
  }

  /** How a message names task {@code index}: {@code task 1 (10.0.0.2:2222)}. */
  public String describeTask(int index) {
    return "task " + index + " (" + workers.get(index) + ")";
  }

  private static void checkHostPort(String worker, int index) {
    String hint = "write each worker as host:port with a port from 1 to 65535, e.g. 127.0.0.1:2222";
    if (!HOST_PORT.matcher(worker).matches()) {
      throw new ClusterConfigException("worker " + index + " is \"" + worker + "\", which is not host:port: " + hint);
    }
    int port = Integer.parseInt(worker.substring(worker.lastIndexOf(':') + 1));
    if (port < 1 || port > 65535) {
      throw new ClusterConfigException("worker " + index + " is \"" + worker + "\", whose port is out of range: "
          + hint);
    }
  }

  private static String firstLine(@Nullable String message) {
    if (message == null) {
      return "no detail";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
