package org.flows4j.tf.gradients;

import static org.flows4j.tf.gradients.GradientSupport.input;
import static org.flows4j.tf.gradients.GradientSupport.scalar;
import static org.flows4j.tf.gradients.GradientSupport.upstream;
import static org.flows4j.tf.gradients.GradientSupport.zeros;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.MatrixDiagPartV3;
import org.tensorflow.op.linalg.MatrixSetDiag;
import org.tensorflow.op.core.Sum;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TType;

/**
 * Gradients of the diagonal ops. {@code tf.linalg.matrixDiag} / {@code matrixDiagPart} / {@code matrixSetDiag} map to
 * the V2 / V2 / V3 ops, none of which has a C++ gradient. All three families are linear, so each gradient is the
 * adjoint map: "extract the band k" and "write the band k" are adjoints of each other. V1 ops use the main diagonal
 * (k = 0); V2 ops pack shorter diagonals {@code LEFT_LEFT}; V3 ops carry the packing in their {@code align}
 * attribute. The gradients are built with V3 ops and the forward op's alignment.
 */
final class DiagonalGradients {

  /** How MatrixDiagV2 / MatrixDiagPartV2 / MatrixSetDiagV2 align their diagonals, in V3 terms. */
  private static final String V2_ALIGN = "LEFT_LEFT";

  private DiagonalGradients() {}

  /**
   * {@code MatrixDiagV2/V3(diagonal, k, num_rows, num_cols, padding_value)} writes the band k of a matrix filled
   * with padding_value. ∂/∂diagonal = band k of Ḡ (MatrixDiagPartV3(Ḡ, k, 0)); ∂/∂padding_value = Σ Ḡ outside
   * the band = ΣḠ − Σ band(Ḡ); zeros for the integer k, num_rows, num_cols.
   */
  static <T extends TType> List<Operand<?>> matrixDiagV2(Ops tf, GraphOperation op, List<Output<?>> up) {
    return matrixDiag(tf, op, up, V2_ALIGN);
  }

  /** As {@link #matrixDiagV2}, with the op's {@code align} attribute. */
  static <T extends TType> List<Operand<?>> matrixDiagV3(Ops tf, GraphOperation op, List<Output<?>> up) {
    return matrixDiag(tf, op, up, op.attributes().getAttrString("align"));
  }

  private static <T extends TType> List<Operand<?>> matrixDiag(
      Ops tf, GraphOperation op, List<Output<?>> up, String align) {
    Operand<T> diagonal = input(op, 0);
    Operand<TInt32> k = input(op, 1);
    Operand<TInt32> numRows = input(op, 2);
    Operand<TInt32> numCols = input(op, 3);
    Operand<T> padding = input(op, 4);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradDiagonal =
        tf.linalg.matrixDiagPartV3(g, k, scalar(tf, 0.0, g), MatrixDiagPartV3.align(align));
    Operand<T> gradPadding = tf.math.sub(sumAll(tf, g), sumAll(tf, gradDiagonal));
    return List.of(gradDiagonal, zeros(tf, k), zeros(tf, numRows), zeros(tf, numCols), gradPadding);
  }

  /**
   * {@code MatrixDiagPartV2/V3(input, k, padding_value)} reads the band k, padding shorter diagonals with
   * padding_value. ∂/∂input = Ḡ written into the band k of a zero matrix (MatrixSetDiagV3(0, Ḡ, k)); the padded
   * slots of Ḡ are dropped there and belong to ∂/∂padding_value = ΣḠ − Σ ∂/∂input; zeros for k.
   */
  static <T extends TType> List<Operand<?>> matrixDiagPartV2(Ops tf, GraphOperation op, List<Output<?>> up) {
    return matrixDiagPart(tf, op, up, V2_ALIGN);
  }

  /** As {@link #matrixDiagPartV2}, with the op's {@code align} attribute. */
  static <T extends TType> List<Operand<?>> matrixDiagPartV3(Ops tf, GraphOperation op, List<Output<?>> up) {
    return matrixDiagPart(tf, op, up, op.attributes().getAttrString("align"));
  }

  private static <T extends TType> List<Operand<?>> matrixDiagPart(
      Ops tf, GraphOperation op, List<Output<?>> up, String align) {
    Operand<T> in = input(op, 0);
    Operand<TInt32> k = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradInput = tf.linalg.matrixSetDiag(tf.zerosLike(in), g, k, MatrixSetDiag.align(align));
    Operand<T> gradPadding = tf.math.sub(sumAll(tf, g), sumAll(tf, gradInput));
    return List.of(gradInput, zeros(tf, k), gradPadding);
  }

  /** {@code MatrixDiagPart(input)} (V1, main diagonal): ∂/∂input = MatrixSetDiagV3(0, Ḡ, 0). */
  static <T extends TType> List<Operand<?>> matrixDiagPartV1(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> in = input(op, 0);
    Operand<T> g = upstream(up, 0);
    return List.of(tf.linalg.matrixSetDiag(tf.zerosLike(in), g, tf.constant(0)));
  }

  /**
   * {@code MatrixSetDiagV2/V3(input, diagonal, k)} overwrites the band k of input. ∂/∂input = Ḡ with the band k
   * zeroed (MatrixSetDiagV3(Ḡ, 0, k)); ∂/∂diagonal = band k of Ḡ (padded slots of diagonal are never read: zero);
   * zeros for k.
   */
  static <T extends TType> List<Operand<?>> matrixSetDiagV2(Ops tf, GraphOperation op, List<Output<?>> up) {
    return matrixSetDiag(tf, op, up, input(op, 2), V2_ALIGN, true);
  }

  /** As {@link #matrixSetDiagV2}, with the op's {@code align} attribute. */
  static <T extends TType> List<Operand<?>> matrixSetDiagV3(Ops tf, GraphOperation op, List<Output<?>> up) {
    return matrixSetDiag(tf, op, up, input(op, 2), op.attributes().getAttrString("align"), true);
  }

  /** {@code MatrixSetDiag(input, diagonal)} (V1, main diagonal): as V3 with k = 0 and no k input. */
  static <T extends TType> List<Operand<?>> matrixSetDiagV1(Ops tf, GraphOperation op, List<Output<?>> up) {
    return matrixSetDiag(tf, op, up, tf.constant(0), V2_ALIGN, false);
  }

  private static <T extends TType> List<Operand<?>> matrixSetDiag(
      Ops tf, GraphOperation op, List<Output<?>> up, Operand<TInt32> k, String align, boolean kIsInput) {
    Operand<T> diagonal = input(op, 1);
    Operand<T> g = upstream(up, 0);
    Operand<T> gradInput = tf.linalg.matrixSetDiag(g, tf.zerosLike(diagonal), k, MatrixSetDiag.align(align));
    Operand<T> gradDiagonal =
        tf.linalg.matrixDiagPartV3(g, k, scalar(tf, 0.0, g), MatrixDiagPartV3.align(align));
    return kIsInput
        ? List.of(gradInput, gradDiagonal, zeros(tf, k))
        : List.of(gradInput, gradDiagonal);
  }

  /** Sum over all axes, as a scalar. */
  private static <T extends TType> Operand<T> sumAll(Ops tf, Operand<T> x) {
    return tf.sum(tf.reshape(x, tf.constant(new int[] {-1})), tf.constant(0), Sum.keepDims(false));
  }
}
