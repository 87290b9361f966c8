package org.flows4j.tf.residual;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.tf.graph.WhileLoop;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBfloat16;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TFloat64;
import org.tensorflow.types.family.TFloating;

/**
 * The log-det series' vector–Jacobian products {@code u ↦ uᵀJ} in the block's {@link SeriesPrecision}, as the
 * series' while loop runs them. The Jacobian's factors (transposed maps, activation derivatives) enter the loop
 * as {@link #loopFactors}; in bfloat16 they are rounded once there, outside the loop, so a term only rounds its
 * input vector (the size of the block's input: one channel at 28×28 for the paper's MNIST blocks) and its output
 * back to the model's dtype, while the wide hidden tensors in between ({@code [batch, h, w, 512]}) stay bfloat16
 * from map to map, on oneDNN's kernels ({@link LinearKernels}). Measured with TF Java 1.1.0 on a 2-core AMX CPU
 * (one term of the width-512 conv block at 28×28, batch 16, in a while loop, under the same load): 0.199 s with
 * float32 and the standard kernels, 0.124 s with float32 on oneDNN, 0.028 s with bfloat16 on oneDNN. The 1×1 map's
 * {@code [12544, 512]·[512, 512]} product alone, 97 % of a term's multiply-adds: 0.065 s in float32, 0.005 s in
 * bfloat16 (main graph, oneDNN, best of 10).
 */
final class SeriesProducts<T extends TFloating> {
  private final SequentialBranch<T> branch;
  private final SeriesPrecision precision;
  private final Class<T> type;

  private SeriesProducts(SequentialBranch<T> branch, SeriesPrecision precision, Class<T> type) {
    this.branch = branch;
    this.precision = precision;
    this.type = type;
  }

  /** The products of this branch's series; bfloat16 is refused unless the model is float32. */
  static <T extends TFloating> SeriesProducts<T> of(SequentialBranch<T> branch, SeriesPrecision precision,
      Class<T> type) {
    if (precision == SeriesPrecision.BFLOAT16 && type != TFloat32.class) {
      throw new IllegalArgumentException("residualBlock seriesPrecision BFLOAT16 rounds a float32 model's series "
          + "products to bfloat16, but this model is " + (type == TFloat64.class ? "float64" : type.getSimpleName())
          + ". Compile it in float32, or use "
          + "SeriesPrecision.FULL.");
    }
    return new SeriesProducts<>(branch, precision, type);
  }

  private boolean reduced() {
    return precision == SeriesPrecision.BFLOAT16;
  }

  /** The Jacobian's {@code uᵀJ} factors as the loop carries them: in the series' precision. */
  List<Operand<?>> loopFactors(Ops tf, BranchJacobian<T> jacobian) {
    List<Operand<?>> factors = new ArrayList<>();
    for (Operand<T> factor : jacobian.transposedTensors()) {
      factors.add(reduced() ? tf.dtypes.cast(factor, TBfloat16.class) : factor);
    }
    return factors;
  }

  /**
   * {@code uᵀJ} in the model's dtype, for the Jacobian whose {@link #loopFactors} are {@code factors} (inside the
   * loop body: the loop variables); {@code jacobian} is that Jacobian outside the loop, for its structure.
   */
  Operand<T> vjp(Ops tf, BranchJacobian<T> jacobian, List<? extends Operand<?>> factors, Operand<T> u) {
    if (!reduced()) {
      return branch.vjpIn(tf, LinearKernels.forLoopBody(type),
          jacobian.withTransposedTensors(WhileLoop.getFrom(factors, 0)), u);
    }
    BranchJacobian<TBfloat16> rounded = jacobianOf(jacobian, WhileLoop.getFrom(factors, 0));
    return tf.dtypes.cast(branch.vjpIn(tf, LinearKernels.forLoopBody(TBfloat16.class), rounded,
        tf.dtypes.cast(u, TBfloat16.class)), type);
  }

  private static <T extends TFloating> BranchJacobian<TBfloat16> jacobianOf(BranchJacobian<T> like,
      List<Operand<TBfloat16>> factors) {
    int maps = like.transposedMaps().size();
    return new BranchJacobian<>(List.of(), factors.subList(0, maps), factors.subList(maps, factors.size()));
  }
}
