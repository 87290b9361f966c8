package org.flows4j.tf.fuzz;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.MemoryEstimate;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;

/**
 * Run in a memory-bounded child JVM by {@link FlowSpecJsonFuzzTest}: reads specs (one JSON document per line, each
 * escaped onto one line) and compiles each into a graph of its own, printing {@code OK i}, {@code TOO_LARGE i} when
 * the memory estimate refuses it (the clean refusal users get), or {@code FAILED i <exception>} when an accepted spec
 * does not compile. A spec that kills the JVM shows as the exit code, after the last line printed.
 */
public final class CompileSpecs {
  /** Specs estimated above this are refused here, as a command refuses what exceeds the machine. */
  static final long CAP_BYTES = 192L << 20;

  private CompileSpecs() {}

  public static void main(String[] args) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(args[0]), StandardCharsets.UTF_8);
    for (int i = 0; i < lines.size(); i++) {
      FlowSpec spec = FlowSpecJson.fromJson(lines.get(i).replace("\\n", "\n"));
      if (MemoryEstimate.evaluation(spec, 2).modelBytes() > CAP_BYTES) {
        System.out.println("TOO_LARGE " + i);
        continue;
      }
      try (Graph graph = new Graph()) {
        FlowCompiler.compile(Ops.create(graph), spec, i);
        System.out.println("OK " + i);
      } catch (RuntimeException e) {
        System.out.println("FAILED " + i + " " + e.toString().replace('\n', ' '));
      }
      System.out.flush();
    }
  }
}
