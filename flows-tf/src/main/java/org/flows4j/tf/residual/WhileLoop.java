package org.flows4j.tf.residual;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;

/**
 * A graph while loop ({@code Graph.whileLoop}, TF's v1 control flow, which runs in exported SavedModels too). The
 * condition and body are built in their own subgraphs and cannot capture outer tensors: everything they read
 * must be a loop variable. TensorFlow Java cannot differentiate through the loop (it aborts the JVM), so the
 * outputs always come back behind {@code stopGradient}.
 */
final class WhileLoop {
  private WhileLoop() {}

  static List<Operand<?>> run(Ops tf, String name, List<Operand<?>> initial,
      BiFunction<Ops, List<Output<?>>, Operand<TBool>> condition,
      BiFunction<Ops, List<Output<?>>, List<Operand<?>>> body) {
    Graph graph = (Graph) tf.scope().env();
    Output<?>[] inputs = new Output<?>[initial.size()];
    for (int i = 0; i < inputs.length; i++) {
      inputs[i] = initial.get(i).asOutput();
    }
    Output<?>[] outputs = graph.whileLoop(inputs,
        (condGraph, condInputs, condOutputs) ->
            condOutputs[0] = condition.apply(Ops.create(condGraph), List.of(condInputs)).asOutput(),
        (bodyGraph, bodyInputs, bodyOutputs) -> {
          List<Operand<?>> next = body.apply(Ops.create(bodyGraph), List.of(bodyInputs));
          for (int i = 0; i < bodyOutputs.length; i++) {
            bodyOutputs[i] = next.get(i).asOutput();
          }
        },
        tf.scope().makeOpName(name));
    List<Operand<?>> stopped = new ArrayList<>();
    for (Output<?> output : outputs) {
      stopped.add(stop(tf, output));
    }
    return stopped;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Operand<?> stop(Ops tf, Output<?> output) {
    return tf.stopGradient((Output) output);
  }

  /** The i-th loop variable with its type. */
  @SuppressWarnings("unchecked")
  static <T extends org.tensorflow.types.family.TType> Operand<T> get(List<? extends Operand<?>> vars, int i) {
    return (Operand<T>) vars.get(i);
  }
}
