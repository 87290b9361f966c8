package org.flows4j.tf.training;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.CompiledStep;
import org.flows4j.tf.LikelihoodModel;
import org.flows4j.tf.gradients.SafeGradients;
import org.flows4j.tf.residual.ResidualLayer;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * The gradient of learned induced-norm orders, as the official Residual Flows code's {@code compute_p_grads}
 * ({@code train_img.py}): the mean, over every map with learned orders in the model, of its one-step norm
 * estimate ({@link ResidualLayer#learnedOrderObjectiveTerms}), differentiated with respect to the raw orders and
 * added to their gradients after global-norm clipping (the official code calls it after {@code clip_grad_norm_}),
 * so it is neither clipped nor counted in the reported gradient norm. The likelihood gives the raw orders no
 * gradient, so theirs is this one alone. A non-finite component is replaced by zero (the official code drops a
 * NaN gradient, leaving that order unchanged by it).
 */
final class LearnedOrderGradients {
  private LearnedOrderGradients() {}

  /** {@code gradients} (one per variable) with the orders' objective gradient added; unchanged without orders. */
  static List<Operand<TFloat32>> add(Ops tf, LikelihoodModel<TFloat32> model, List<Variable<TFloat32>> variables,
      List<Operand<TFloat32>> gradients) {
    List<Variable<TFloat32>> orders = new ArrayList<>();
    List<Operand<TFloat32>> terms = new ArrayList<>();
    for (CompiledStep<TFloat32> step : model.steps()) {
      if (step.layer() instanceof ResidualLayer<TFloat32> residual) {
        orders.addAll(residual.learnedOrderVariables());
        terms.addAll(residual.learnedOrderObjectiveTerms(tf));
      }
    }
    if (orders.isEmpty()) {
      return gradients;
    }
    Operand<TFloat32> objective = tf.math.mean(tf.stack(terms), tf.constant(0));
    List<Operand<?>> orderGradients = SafeGradients.gradientsOrZeros(tf, objective, orders);
    List<Operand<TFloat32>> result = new ArrayList<>(gradients);
    for (int i = 0; i < orders.size(); i++) {
      int index = variables.indexOf(orders.get(i));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> g = (Operand<TFloat32>) orderGradients.get(i);
      Operand<TFloat32> finite = tf.select(tf.math.isFinite(g), g, tf.zerosLike(g));
      result.set(index, tf.math.add(result.get(index), finite));
    }
    return result;
  }
}
