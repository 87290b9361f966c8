package org.flows4j.tf.gradients;

import static org.flows4j.tf.gradients.GradientSupport.diagonalBand;
import static org.flows4j.tf.gradients.GradientSupport.expandLastTwo;
import static org.flows4j.tf.gradients.GradientSupport.input;
import static org.flows4j.tf.gradients.GradientSupport.lower;
import static org.flows4j.tf.gradients.GradientSupport.matmul;
import static org.flows4j.tf.gradients.GradientSupport.output;
import static org.flows4j.tf.gradients.GradientSupport.reduceBatchBroadcast;
import static org.flows4j.tf.gradients.GradientSupport.scalar;
import static org.flows4j.tf.gradients.GradientSupport.transposeLastTwo;
import static org.flows4j.tf.gradients.GradientSupport.upper;
import static org.flows4j.tf.gradients.GradientSupport.upstream;

import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Ops;
import org.tensorflow.op.linalg.Inv;
import org.tensorflow.op.linalg.Solve;
import org.tensorflow.op.linalg.TriangularSolve;
import org.tensorflow.types.family.TType;

/**
 * Gradients of the linear-algebra ops (real dtypes; every op works on batches {@code [..., m, m]}). Ḡ is the upstream
 * gradient, {@code ᵀ} transposes the last two axes.
 */
final class LinalgGradients {

  private LinalgGradients() {}

  /**
   * {@code C = MatrixInverse(A)}: dC = −C·dA·C, so Ā = −Cᵀ·Ḡ·Cᵀ. With {@code adjoint = true}, C = (Aᵀ)⁻¹ and
   * dC = −C·dAᵀ·C, so Ā = −C·Ḡᵀ·C.
   */
  static <T extends TType> List<Operand<?>> matrixInverse(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> c = output(op, 0);
    Operand<T> g = upstream(up, 0);
    boolean adjoint = op.attributes().getAttrBool("adjoint");
    Operand<T> grad =
        adjoint
            ? matmul(tf, c, false, matmul(tf, g, true, c, false), false)
            : matmul(tf, c, true, matmul(tf, g, false, c, true), false);
    return List.of(tf.math.neg(grad));
  }

  /** {@code d = det(A)}: ∂d/∂A = d·A⁻ᵀ (Jacobi's formula), so Ā = ḡ·d·A⁻ᵀ, per matrix of the batch. */
  static <T extends TType> List<Operand<?>> matrixDeterminant(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> a = input(op, 0);
    Operand<T> d = output(op, 0);
    Operand<T> g = upstream(up, 0);
    Operand<T> inverseTransposed = tf.linalg.inv(a, Inv.adjoint(true));
    return List.of(tf.math.mul(expandLastTwo(tf, tf.math.mul(g, d)), inverseTransposed));
  }

  /**
   * {@code (sign, log|det A|) = LogMatrixDeterminant(A)}: ∂log|det A|/∂A = A⁻ᵀ, so Ā = ḡ₁·A⁻ᵀ per matrix. The sign
   * is piecewise constant: its upstream ḡ₀ contributes nothing.
   */
  static <T extends TType> List<Operand<?>> logMatrixDeterminant(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> a = input(op, 0);
    Operand<T> g = upstream(up, 1);
    Operand<T> inverseTransposed = tf.linalg.inv(a, Inv.adjoint(true));
    return List.of(tf.math.mul(expandLastTwo(tf, g), inverseTransposed));
  }

  /**
   * {@code X = MatrixSolve(A, B) = A⁻¹B}: B̄ = A⁻ᵀḠ (a solve with the adjoint flag flipped) and Ā = −B̄·Xᵀ. With
   * {@code adjoint = true}, X = A⁻ᵀB: B̄ = A⁻¹Ḡ and Ā = −X·B̄ᵀ.
   */
  static <T extends TType> List<Operand<?>> matrixSolve(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> a = input(op, 0);
    Operand<T> x = output(op, 0);
    Operand<T> g = upstream(up, 0);
    boolean adjoint = op.attributes().getAttrBool("adjoint");
    Operand<T> gradB = tf.linalg.solve(a, g, Solve.adjoint(!adjoint));
    Operand<T> gradA = adjoint ? matmul(tf, x, false, gradB, true) : matmul(tf, gradB, false, x, true);
    return List.of(tf.math.neg(gradA), gradB);
  }

  /**
   * {@code X = MatrixTriangularSolve(A, B)} solves op(tri(A))·X = B where tri keeps the lower (or upper) triangle
   * and op is the identity (or the transpose when {@code adjoint = true}); the other triangle of A is never read.
   * B̄ = op(tri(A))⁻ᵀ·Ḡ (a triangular solve with the adjoint flag flipped), and Ā = tri(−B̄·Xᵀ), or tri(−X·B̄ᵀ) when
   * {@code adjoint = true}. Batch axes may broadcast: the gradients are summed back to each operand's shape.
   */
  static <T extends TType> List<Operand<?>> matrixTriangularSolve(
      Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> a = input(op, 0);
    Operand<T> b = input(op, 1);
    Operand<T> x = output(op, 0);
    Operand<T> g = upstream(up, 0);
    boolean lowerTriangle = op.attributes().getAttrBool("lower");
    boolean adjoint = op.attributes().getAttrBool("adjoint");
    Operand<T> gradB =
        tf.linalg.triangularSolve(a, g, TriangularSolve.lower(lowerTriangle), TriangularSolve.adjoint(!adjoint));
    Operand<T> full = adjoint ? matmul(tf, x, false, gradB, true) : matmul(tf, gradB, false, x, true);
    Operand<T> gradA = tf.math.neg(lowerTriangle ? lower(tf, full) : upper(tf, full));
    return reduceBatchBroadcast(tf, a, gradA, b, gradB);
  }

  /**
   * {@code L = Cholesky(A)}, A = L·Lᵀ, computed from the lower triangle of A only (the upper one is never read).
   * From dA = dL·Lᵀ + L·dLᵀ: L⁻¹·dL = Φ(L⁻¹·dA·L⁻ᵀ) where Φ keeps the lower triangle and halves the diagonal, so for
   * symmetric perturbations ⟨Ḡ, dL⟩ = ⟨P, dA⟩ with P = L⁻ᵀ·Φ(Lᵀ·Ḡ)·L⁻¹ (two triangular solves, no inverse). Since
   * only the lower triangle is read (A_sym = tril(A) + tril(A, −1)ᵀ), the gradient w.r.t. the entries of A is
   * Ā = tril(P + Pᵀ) − diag(P): zero above the diagonal. Python's TF returns the symmetrised ½(P + Pᵀ) instead;
   * both give the same result whenever A is built symmetrically.
   */
  static <T extends TType> List<Operand<?>> cholesky(Ops tf, GraphOperation op, List<Output<?>> up) {
    Operand<T> l = output(op, 0);
    Operand<T> g = upstream(up, 0);
    Operand<T> middle = matmul(tf, l, true, g, false);
    Operand<T> phi = tf.math.sub(lower(tf, middle), tf.math.mul(scalar(tf, 0.5, middle), diagonalBand(tf, middle)));
    Operand<T> left =
        tf.linalg.triangularSolve(l, phi, TriangularSolve.lower(true), TriangularSolve.adjoint(true));
    Operand<T> p =
        transposeLastTwo(
            tf,
            tf.linalg.triangularSolve(
                l, transposeLastTwo(tf, left), TriangularSolve.lower(true), TriangularSolve.adjoint(true)));
    Operand<T> symmetric = tf.math.add(p, transposeLastTwo(tf, p));
    return List.of(tf.math.sub(lower(tf, symmetric), diagonalBand(tf, p)));
  }
}
