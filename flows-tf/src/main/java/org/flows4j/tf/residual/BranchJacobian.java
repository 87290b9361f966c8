package org.flows4j.tf.residual;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.family.TFloating;

/**
 * The branch's Jacobian at one input, kept factored: its normalised linear maps {@code W̃ᵢ}, what their transposes
 * are applied with ({@link SpectralLinear#transposedOperand}: the adjoint convolutions' flipped kernels…) and the
 * activation derivatives {@code φ'(zᵢ)} at that input. All are invariants of the log-det series, so they are
 * computed once and a term of the series ({@code uᵀJ} or {@code J v}) is only linear maps and elementwise products —
 * no forward pass, and no kernel rearranged per term.
 *
 * @param maps the normalised linear maps, in application order; empty in a Jacobian that only gives {@code uᵀJ}
 *     (see {@link #withTransposedTensors})
 * @param transposedMaps the operands of the maps' transposes, in application order
 * @param derivatives the activation derivatives in application order, each shaped like the activation's input
 */
record BranchJacobian<T extends TFloating>(
    List<Operand<T>> maps, List<Operand<T>> transposedMaps, List<Operand<T>> derivatives) {
  BranchJacobian {
    maps = List.copyOf(maps);
    transposedMaps = List.copyOf(transposedMaps);
    derivatives = List.copyOf(derivatives);
  }

  /**
   * Transposed maps then derivatives: what {@code uᵀJ} needs, and how it travels into the series' while loop (loops
   * capture nothing; the loop only takes vector–Jacobian products).
   */
  List<Operand<T>> transposedTensors() {
    List<Operand<T>> all = new ArrayList<>(transposedMaps);
    all.addAll(derivatives);
    return all;
  }

  /**
   * The inverse of {@link #transposedTensors()} for a Jacobian shaped like this one (inside a loop body): it gives
   * {@code uᵀJ} only, having no forward maps.
   */
  BranchJacobian<T> withTransposedTensors(List<Operand<T>> tensors) {
    int maps = transposedMaps.size();
    Preconditions.checkArgument(tensors.size() == maps + derivatives.size(),
        "expected %s tensors, got %s", maps + derivatives.size(), tensors.size());
    return new BranchJacobian<>(List.of(), tensors.subList(0, maps), tensors.subList(maps, tensors.size()));
  }
}
