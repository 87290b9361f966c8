package org.flows4j.tf.distributed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.flows4j.tf.training.Replication;
import org.junit.jupiter.api.Test;

/** TF_CONFIG and host:port lists: the valid forms, and one actionable message for each mistake. */
class ClusterTest {
  private static final String FORM = " The expected form is {\"cluster\": {\"worker\": [\"host:port\", ...]}, "
      + "\"task\": {\"type\": \"worker\", \"index\": i}}.";

  @Test
  void readsTfConfig() {
    Cluster cluster = Cluster.fromTfConfig("{\"cluster\": {\"worker\": [\"10.0.0.1:2222\", \"worker-1.svc:2222\"]},"
        + " \"task\": {\"type\": \"worker\", \"index\": 1}}");
    assertThat(cluster.workers()).containsExactly("10.0.0.1:2222", "worker-1.svc:2222");
    assertThat(cluster.taskIndex()).isEqualTo(1);
    assertThat(cluster.isChief()).isFalse();
    assertThat(cluster.address()).isEqualTo("worker-1.svc:2222");
    assertThat(cluster.timeout()).isEqualTo(Cluster.DEFAULT_TIMEOUT);
    assertThat(cluster.describeTask(0)).isEqualTo("task 0 (10.0.0.1:2222)");
  }

  @Test
  void devicesOfAWorkerMustComeFromCpuDevicesOrGpuDevices() {
    Cluster cluster = Cluster.of(List.of("127.0.0.1:1", "127.0.0.1:2"), 0);
    assertThat(DistributedTraining.replication(cluster, DistributedTraining.cpuDevices(2)).replicas()).isEqualTo(2);
    assertThatThrownBy(() -> DistributedTraining.replication(cluster, Replication.none()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("devices must come from DistributedTraining.cpuDevices(n) or gpuDevices(n), but was a SingleReplica");
  }

  @Test
  void ofAndTimeout() {
    Cluster cluster = Cluster.of(List.of("127.0.0.1:1", "127.0.0.1:2"), 0).withTimeout(Duration.ofSeconds(5));
    assertThat(cluster.isChief()).isTrue();
    assertThat(cluster.size()).isEqualTo(2);
    assertThat(cluster.timeout()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void malformedTfConfig() {
    assertThatThrownBy(() -> Cluster.fromTfConfig("{\"cluster\": "))
        .isInstanceOf(ClusterConfigException.class)
        .hasMessageStartingWith("TF_CONFIG is not valid JSON (")
        .hasMessageEndingWith(FORM);
    assertThatThrownBy(() -> Cluster.fromTfConfig("[1]")).hasMessage("TF_CONFIG must be a JSON object." + FORM);
    assertThatThrownBy(() -> Cluster.fromTfConfig("{\"task\": {\"type\": \"worker\", \"index\": 0}}"))
        .hasMessage("TF_CONFIG has no cluster.worker list." + FORM);
    assertThatThrownBy(() -> Cluster.fromTfConfig("{\"cluster\": {\"worker\": [\"a:1\"], \"ps\": [\"b:1\"]}, "
        + "\"task\": {\"type\": \"worker\", \"index\": 0}}"))
        .hasMessage("TF_CONFIG lists jobs [ps], but flows4j trains synchronously with all-reduce: list every "
            + "process under cluster.worker (no chief, ps or evaluator jobs).");
    assertThatThrownBy(() -> Cluster.fromTfConfig("{\"cluster\": {\"worker\": [2222]}, "
        + "\"task\": {\"type\": \"worker\", \"index\": 0}}"))
        .hasMessage("TF_CONFIG's cluster.worker must hold \"host:port\" strings, but has 2222." + FORM);
    assertThatThrownBy(() -> Cluster.fromTfConfig("{\"cluster\": {\"worker\": [\"a:1\"]}, "
        + "\"task\": {\"type\": \"chief\", \"index\": 0}}"))
        .hasMessage("TF_CONFIG's task.type must be \"worker\", but was \"chief\"." + FORM);
    assertThatThrownBy(() -> Cluster.fromTfConfig("{\"cluster\": {\"worker\": [\"a:1\"]}, "
        + "\"task\": {\"type\": \"worker\"}}"))
        .hasMessage("TF_CONFIG's task.index must be an integer, but was missing." + FORM);
  }

  @Test
  void badIndexAndAddresses() {
    assertThatThrownBy(() -> Cluster.of(List.of("a:1", "b:2"), 2))
        .isInstanceOf(ClusterConfigException.class)
        .hasMessage("the task index must be from 0 to 1 for a cluster of 2 workers, but was 2");
    assertThatThrownBy(() -> Cluster.of(List.of("a:1", "localhost"), 0))
        .hasMessage("worker 1 is \"localhost\", which is not host:port: write each worker as host:port with a port "
            + "from 1 to 65535, e.g. 127.0.0.1:2222");
    assertThatThrownBy(() -> Cluster.of(List.of("a:70000"), 0))
        .hasMessage("worker 0 is \"a:70000\", whose port is out of range: write each worker as host:port with a "
            + "port from 1 to 65535, e.g. 127.0.0.1:2222");
    assertThatThrownBy(() -> Cluster.of(List.of("a:1", "a:1"), 0))
        .hasMessage("worker a:1 is listed twice (tasks 0 and 1): every worker needs its own host:port");
    assertThatThrownBy(() -> Cluster.of(List.of(), 0))
        .hasMessage("the cluster has no workers: list them as host:port, e.g. --cluster "
            + "127.0.0.1:2222,127.0.0.1:2223");
  }
}
