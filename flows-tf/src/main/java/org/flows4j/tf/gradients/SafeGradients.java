package org.flows4j.tf.gradients;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Gradients;
import org.tensorflow.types.family.TType;

/**
 * {@code tf.gradients} with zeros instead of the two ways TF Java reports "no gradient": an {@code x} that is
 * unreachable from {@code y} (TF throws "unreachable") and an {@code x} whose every path carries no gradient
 * (StopGradient, integer ops, Shape: TF returns an {@code Output} with a null native handle, which later fails with a
 * misleading "close() has been called"). Both become {@code tf.zerosLike(x)}.
 *
 * <p>Registers the gradients of {@link GradientRegistry} first. Call from graph-building code, not from inside a
 * gradient function.
 */
public final class SafeGradients {

  private SafeGradients() {}

  /**
   * The vector–Jacobian products {@code dyᵀ·∂y/∂x} for each x, zeros where there is no gradient.
   *
   * @param y the tensor to differentiate
   * @param xs the tensors to differentiate with respect to
   * @param dy the upstream gradient, same shape and dtype as {@code y}; passing it explicitly keeps
   *     {@code OnesLike} out of the graph
   * @return one gradient per x, in order, each with the shape and dtype of its x
   */
  public static List<Operand<?>> gradientsOrZeros(
      Ops tf, Operand<?> y, List<? extends Operand<?>> xs, Operand<?> dy) {
    GradientRegistry.ensureRegistered();
    Set<GraphOperation> ancestors = ancestorsOf(y);
    List<Operand<?>> reachable = new ArrayList<>();
    for (Operand<?> x : xs) {
      if (ancestors.contains(graphOp(x))) {
        reachable.add(x);
      }
    }
    List<Output<?>> dys = reachable.isEmpty() ? List.of() : vjp(tf, y, reachable, dy);
    List<Operand<?>> out = new ArrayList<>(xs.size());
    int next = 0;
    for (Operand<?> x : xs) {
      if (!ancestors.contains(graphOp(x))) {
        out.add(tf.zerosLike(x));
        continue;
      }
      Output<?> d = dys.get(next++);
      out.add(GradientRegistry.isMissing(d) ? tf.zerosLike(x) : d);
    }
    return out;
  }

  /**
   * As {@link #gradientsOrZeros(Ops, Operand, List, Operand)} with {@code dy = 1} everywhere, built as
   * {@code fill(shape(y), 1)} rather than {@code OnesLike} (which has no native gradient).
   */
  public static List<Operand<?>> gradientsOrZeros(Ops tf, Operand<?> y, List<? extends Operand<?>> xs) {
    return gradientsOrZeros(tf, y, xs, onesShapedLike(tf, y));
  }

  private static <T extends TType> Operand<T> onesShapedLike(Ops tf, Operand<T> y) {
    return tf.fill(tf.shape(y), tf.dtypes.cast(tf.constant(1.0), y.type()));
  }

  private static List<Output<?>> vjp(Ops tf, Operand<?> y, List<Operand<?>> xs, Operand<?> dy) {
    GradientRegistry.takeLastFailure(); // stale failures from earlier calls must not be blamed on this one
    try {
      return tf.gradients(y, xs, Gradients.dx(List.of(dy))).dy();
    } catch (TensorFlowException e) {
      Optional<Throwable> cause = GradientRegistry.takeLastFailure();
      if (cause.isPresent()) {
        IllegalStateException failure =
            new IllegalStateException("a Java gradient function failed: " + cause.get(), cause.get());
        failure.addSuppressed(e);
        throw failure;
      }
      throw e;
    }
  }

  /** The ops y depends on through data edges (what the C++ builder calls reachable), y's own op included. */
  private static Set<GraphOperation> ancestorsOf(Operand<?> y) {
    Set<GraphOperation> seen = new HashSet<>();
    Deque<GraphOperation> todo = new ArrayDeque<>();
    GraphOperation start = graphOp(y);
    seen.add(start);
    todo.add(start);
    while (!todo.isEmpty()) {
      GraphOperation op = todo.poll();
      int n = op.numInputs();
      for (int i = 0; i < n; i++) {
        GraphOperation in = (GraphOperation) op.input(i).op();
        if (seen.add(in)) {
          todo.add(in);
        }
      }
    }
    return seen;
  }

  private static GraphOperation graphOp(Operand<?> x) {
    Operation op = x.op();
    if (!(op instanceof GraphOperation g)) {
      throw new IllegalArgumentException("gradients need graph operands, got " + op.getClass().getSimpleName());
    }
    return g;
  }
}
