package org.flows4j.tf.training;

import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphOptions;
import org.tensorflow.proto.OptimizerOptions;
import org.tensorflow.proto.RewriterConfig;

/**
 * The session options a trainer's graph runs with, chosen from measurements on deep Residual Flows (README,
 * "Start-up time of deep Residual Flows"): most of a deep flow's first step is Grappler, TensorFlow's graph optimiser,
 * which runs once for each new kind of run (initialisation, the first training step, the first evaluation…).
 *
 * <ul>
 *   <li>Grappler stays on for flows built in place: with it off, the first step of the 4-block toy model (blocks
 *       built inline) fell from 9.1 s to 2.1 s but every later step went from 0.11 s to 0.6 s; turning off constant
 *       folding, layout, remapping and the memory optimiser together cut Grappler's time by two thirds and still
 *       slowed every step to 0.19 s.
 *   <li>Grappler is off for a graph whose residual blocks are calls of shared functions (see
 *       {@code ResidualLayer}): what is left in the main graph is variables, optimizer and EMA updates and the
 *       power iterations, and optimising those costs more than it saves. Measured with
 *       {@code StartupBreakdown} (load average about 5 on 2 cores): 30 toy blocks, initialisation 9.1 → 4.9 s,
 *       first step 12.2 → 3.8 s, later steps 0.372 → 0.355 s; image 4-4-4 width 128, initialisation 4.1 → 1.5 s,
 *       first step 13.5 → 5.0 s, later steps 3.16 → 2.44 s. On an idle machine, one conv block of width 512
 *       ({@code benchmark-residual --only conv-2-neumann,conv-20-neumann}, Grappler on → off, two runs each): 0.610–0.629
 *       → 0.562 s/step at n = 2, 1.571–1.601 → 1.517–1.574 s/step at n = 20.
 *   <li>Such a graph also places only the pruned graph of each run ({@code place_pruned_graph}), not the whole graph
 *       on the first run: 100 toy blocks, idle machine, initialisation 7.5 → 5.1 s and peak RSS 2393 → 2044 MiB,
 *       later steps unchanged (0.99–1.00 s/step). TensorFlow keeps a stateful op (a variable) on the device of its
 *       first placement across runs, so every run still reads and writes the same variables.
 *   <li>The memory optimiser is off: it spent 11% of Grappler's time on the first step (0.98 of 8.7 s at 4 toy
 *       blocks), and with it (and the remapper) off the later steps kept their time (0.11–0.13 s); on CPU it has no
 *       device memory to swap to.
 *   <li>XLA's JIT at global level ON_1 when {@link TrainingOptions#xla()} asks for it. On CPU, TensorFlow only
 *       auto-clusters when the process also has {@code TF_XLA_FLAGS=--tf_xla_cpu_global_jit} in its environment
 *       ({@code flows benchmark-residual --xla} sets it for its child processes).
 * </ul>
 */
final class SessionConfigs {
  private SessionConfigs() {}

  /**
   * @param blocksAsFunctions whether the graph calls residual blocks as shared functions (a Residual Flow): then
   *     Grappler is off altogether and each run places only the ops it runs
   */
  static ConfigProto training(TrainingOptions options, boolean blocksAsFunctions) {
    RewriterConfig.Builder rewrite = RewriterConfig.newBuilder()
        .setMemoryOptimization(RewriterConfig.MemOptType.NO_MEM_OPT);
    if (blocksAsFunctions) {
      rewrite.setDisableMetaOptimizer(true);
    }
    // Block-function graphs: each kind of run places only the ops it runs, not the whole graph.
    GraphOptions.Builder graph = GraphOptions.newBuilder().setRewriteOptions(rewrite)
        .setPlacePrunedGraph(blocksAsFunctions);
    if (options.xla()) {
      graph.setOptimizerOptions(
          OptimizerOptions.newBuilder().setGlobalJitLevel(OptimizerOptions.GlobalJitLevel.ON_1));
    }
    return ConfigProto.newBuilder().setGraphOptions(graph).build();
  }
}
