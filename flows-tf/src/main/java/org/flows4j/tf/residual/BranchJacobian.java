package org.flows4j.tf.residual;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * The branch's Jacobian at one input, kept factored: its normalised linear maps {@code W̃ᵢ} and the activation
 * derivatives {@code φ'(zᵢ)} at that input. Both are invariants of the log-det series, so they are computed once and
 * a term of the series ({@code uᵀJ} or {@code J v}) is only linear maps and elementwise products — no forward pass.
 *
 * @param maps the normalised linear maps, in application order
 * @param derivatives the activation derivatives in application order, each shaped like the activation's input
 */
record BranchJacobian<T extends TFloating>(List<Operand<T>> maps, List<Operand<T>> derivatives) {
  BranchJacobian {
    maps = List.copyOf(maps);
    derivatives = List.copyOf(derivatives);
  }

  /** Maps then derivatives: how the Jacobian travels into a while loop (loops capture nothing). */
  List<Operand<T>> tensors() {
    List<Operand<T>> all = new ArrayList<>(maps);
    all.addAll(derivatives);
    return all;
  }

  /** The inverse of {@link #tensors()} for a Jacobian shaped like this one (inside a loop body). */
  BranchJacobian<T> withTensors(List<Operand<T>> tensors) {
    Preconditions.checkArgument(tensors.size() == maps.size() + derivatives.size(),
        "expected %s tensors, got %s", maps.size() + derivatives.size(), tensors.size());
    return new BranchJacobian<>(tensors.subList(0, maps.size()), tensors.subList(maps.size(), tensors.size()));
  }
}
