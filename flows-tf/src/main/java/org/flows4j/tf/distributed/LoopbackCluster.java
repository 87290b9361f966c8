package org.flows4j.tf.distributed;

import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** Worker addresses on this machine, for benchmarks and tests that start several worker processes. */
public final class LoopbackCluster {
  private LoopbackCluster() {}

  /**
   * {@code n} addresses {@code 127.0.0.1:port}, comma-separated as {@code --cluster} takes them, on ports that were
   * free a moment ago (each socket is held until all n are found, so the ports differ, then released for the workers).
   */
  public static String addresses(int n) throws IOException {
    StringJoiner cluster = new StringJoiner(",");
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket socket = new ServerSocket(0);
        sockets.add(socket);
        cluster.add("127.0.0.1:" + socket.getLocalPort());
      }
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
    return cluster.toString();
  }
}
