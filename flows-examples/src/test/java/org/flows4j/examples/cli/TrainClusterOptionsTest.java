package org.flows4j.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flows train --cluster … --task-index …}: each mistake is one line and exit code 2. */
class TrainClusterOptionsTest {
  @TempDir Path dir;

  @Test
  void clusterWithoutTaskIndex() {
    Cli.Result result = Cli.run("train", "--cluster", "127.0.0.1:2222,127.0.0.1:2223", "--out", out());

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).isEqualTo("error: --cluster and --task-index go together: give both (e.g. --cluster "
        + "127.0.0.1:2222,127.0.0.1:2223 --task-index 0 on the first worker), or neither to train in one process\n");
  }

  @Test
  void badAddressAndIndex() {
    Cli.Result address = Cli.run("train", "--cluster", "127.0.0.1:2222,worker2", "--task-index", "0", "--out",
        out());
    Cli.Result index = Cli.run("train", "--cluster", "127.0.0.1:2222,127.0.0.1:2223", "--task-index", "2",
        "--out", out());

    assertThat(address.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(address.err()).isEqualTo("error: --cluster: worker 1 is \"worker2\", which is not host:port: write "
        + "each worker as host:port with a port from 1 to 65535, e.g. 127.0.0.1:2222\n");
    assertThat(index.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(index.err()).isEqualTo("error: --cluster: the task index must be from 0 to 1 for a cluster of 2 "
        + "workers, but was 2\n");
  }

  @Test
  void busyPort() throws Exception {
    try (ServerSocket busy = new ServerSocket(0)) {
      String cluster = "127.0.0.1:" + busy.getLocalPort() + ",127.0.0.1:1";

      Cli.Result result = Cli.run("train", "--cluster", cluster, "--task-index", "0", "--steps", "2", "--out",
          out(), "--quiet");

      assertThat(result.exitCode()).as(result.toString()).isEqualTo(ExitCodes.USAGE);
      assertThat(result.err()).isEqualTo("error: cannot start the TensorFlow server of task 0 (127.0.0.1:"
          + busy.getLocalPort() + "): port " + busy.getLocalPort() + " is in use or cannot be bound (Could not "
          + "start gRPC server). Pick a free port for this task in --cluster / TF_CONFIG, or stop the process that "
          + "holds it.\n");
    }
  }

  @Test
  void devicesMustSplitTheBatch() {
    Cli.Result result = Cli.run("train", "--devices", "3", "--batch", "16", "--steps", "2", "--out", out(),
        "--quiet");

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).isEqualTo("error: --batch 16 cannot be split evenly across --devices 3: use a batch "
        + "that is a multiple of 3\n");
  }

  @Test
  void trainsOnTwoVirtualDevices() {
    Cli.Result result = Cli.run("train", "--devices", "2", "--batch", "64", "--steps", "20", "--eval-every", "0",
        "--out", out(), "--quiet");

    assertThat(result.exitCode()).as(result.toString()).isZero();
    assertThat(dir.resolve("run/tensorboard")).isDirectoryContaining("glob:**/events.out.tfevents.*");
  }

  private String out() {
    return dir.resolve("run").toString();
  }
}
