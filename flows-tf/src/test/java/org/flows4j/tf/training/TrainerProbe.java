package org.flows4j.tf.training;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.HostTensors;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/** Reads a trainer's weights (live, or the EMA ones it evaluates with) for tests of the update arithmetic. */
final class TrainerProbe {
  private TrainerProbe() {}

  /** Every trainable variable's values, concatenated in the flow's stable order. */
  static double[] weights(Trainer trainer) {
    return values(trainer.session(), trainer.model().flow().trainableVariables());
  }

  /** The weights that evaluation, sampling and export see: the EMA's when it is on. */
  static double[] averagedWeights(Trainer trainer) {
    double[][] out = new double[1][];
    trainer.withAveragedWeights(() -> out[0] = weights(trainer));
    return out[0];
  }

  /** The accumulated (summed, not yet averaged) gradients, in the order of the trainable variables. */
  static double[] accumulatedGradients(Trainer trainer) {
    // One flat vector, in the trainer's layout (the variables' values end to end).
    return concatenate(trainer.session().runner().fetch("accumulated_gradient"), 1);
  }

  static double maxAbsDifference(double[] a, double[] b) {
    if (a.length != b.length) {
      throw new IllegalArgumentException("lengths differ: " + a.length + " vs " + b.length);
    }
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  /** The values of {@code operands} in {@code session}, concatenated in order. */
  static double[] values(Session session, List<? extends Operand<TFloat32>> operands) {
    Session.Runner runner = session.runner();
    operands.forEach(runner::fetch);
    return concatenate(runner, operands.size());
  }

  private static double[] concatenate(Session.Runner runner, int count) {
    List<double[]> parts = new ArrayList<>();
    int total = 0;
    try (Result result = runner.run()) {
      for (int i = 0; i < count; i++) {
        double[] part = HostTensors.toDoubles(result.get(i));
        parts.add(part);
        total += part.length;
      }
    }
    double[] all = new double[total];
    int at = 0;
    for (double[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }
}
