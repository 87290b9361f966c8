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

  /**
   * The flat {@code gradient} (in {@code layout}'s order of {@code variables}) with the orders' objective gradient
   * added at their places; unchanged without orders.
   */
  static Operand<TFloat32> add(Ops tf, LikelihoodModel<TFloat32> model, List<Variable<TFloat32>> variables,
      FlatLayout<TFloat32> layout, Operand<TFloat32> gradient) {
    List<Variable<TFloat32>> orders = new ArrayList<>();
    List<Operand<TFloat32>> terms = new ArrayList<>();
    for (CompiledStep<TFloat32> step : model.steps()) {
      if (step.layer() instanceof ResidualLayer<TFloat32> residual) {
        orders.addAll(residual.learnedOrderVariables());
        terms.addAll(residual.learnedOrderObjectiveTerms(tf));
      }
    }
    if (orders.isEmpty()) {
      return gradient;
    }
    Operand<TFloat32> objective = tf.math.mean(tf.stack(terms), tf.constant(0));
    List<Operand<?>> orderGradients = SafeGradients.gradientsOrZeros(tf, objective, orders);
    long[][] places = new long[orders.size()][1];
    List<Operand<TFloat32>> finite = new ArrayList<>();
    for (int i = 0; i < orders.size(); i++) {
      places[i][0] = layout.offset(variables.indexOf(orders.get(i))); // a raw order is a scalar: one number
      @SuppressWarnings("unchecked")
      Operand<TFloat32> g = (Operand<TFloat32>) orderGradients.get(i);
      finite.add(tf.reshape(tf.select(tf.math.isFinite(g), g, tf.zerosLike(g)), tf.constant(new int[0])));
    }
    return tf.tensorScatterNdAdd(gradient, tf.constant(places), tf.stack(finite));
  }
}
