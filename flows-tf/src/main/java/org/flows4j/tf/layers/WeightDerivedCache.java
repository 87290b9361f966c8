package org.flows4j.tf.layers;

import java.util.List;
import java.util.function.UnaryOperator;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.AssignVariableOp;
import org.tensorflow.op.core.SwitchCond;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TFloating;

/**
 * A {@code [rows, columns]} value that depends on one weight only (a solver's matrices), kept between session runs
 * so that a call whose weight did not change skips computing it. It can never be stale: the cache stores, in the same
 * variable, an exact copy of the weight it was computed from, and every read compares that copy with the weight's
 * current value, element by element. Any difference (an optimizer step, a restored checkpoint, the EMA weights
 * swapped in or out, a weight assigned by hand) recomputes the value and stores it with the new copy. Nothing has to
 * remember to refresh it.
 *
 * <p>How, in the graph: one resource variable {@code [rows + copyRows, columns]}, the value on top of the weight's
 * copy (flattened, zero-padded to whole rows). It has no initialiser and is not saved (TensorFlow Java's saver
 * takes {@code VariableV2} only): a variable never written counts as stale, so a fresh session, a restored one and
 * a loaded SavedModel all compute the value on their first call. Then two v1 conditionals (Switch/Merge, which
 * run only the branch taken): the stored copy is read and compared only if the variable was written; the value is
 * computed and stored only if the copy differs, and otherwise sliced from the same read. One read and one write of
 * one variable, so a reader sees a value and its copy from the same write. The result carries no gradient.
 *
 * <p>Two session runs that sample concurrently with different weights (an optimizer step in another thread
 * between them) may each recompute, but neither reads a value that does not belong to the copy it compared.
 */
final class WeightDerivedCache<T extends TFloating> {
  private final Operand<?> handle;
  private final int rows;
  private final int columns;
  private final int weightSize;
  private final int copyRows;
  private final Class<T> type;

  /**
   * @param name the variable's name in the graph and its resource name (unique in the graph)
   * @param weightSize how many values the weight has
   */
  WeightDerivedCache(Ops tf, String name, int rows, int columns, int weightSize, Class<T> type) {
    this.rows = rows;
    this.columns = columns;
    this.weightSize = weightSize;
    this.copyRows = (weightSize + columns - 1) / columns;
    this.type = type;
    this.handle = tf.withName(name).varHandleOp(type, Shape.of(rows + copyRows, columns),
        VarHandleOp.sharedName(name));
  }

  /** {@code compute(weight)} ({@code [rows, columns]}), from the cache when the stored copy equals {@code weight}. */
  Operand<T> get(Ops tf, Operand<T> weight, UnaryOperator<Operand<T>> compute) {
    Operand<TBool> written = tf.varIsInitializedOp(handle);
    SwitchCond<TBool> ifWritten = tf.switchCond(written, written);
    Operand<T> stored = tf.withControlDependencies(List.of(tf.identity(ifWritten.outputTrue())))
        .readVariableOp(handle, type);
    Operand<T> copy = tf.slice(stored, tf.constant(new int[] {rows, 0}), tf.constant(new int[] {copyRows, columns}));
    Operand<TBool> same = tf.reduceAll(tf.math.equal(copy, rowsOf(tf, weight)), tf.constant(new int[] {0, 1}));
    // Merge passes on whichever input is alive: the comparison if the variable was written, else `written` (false).
    Operand<TBool> valid = tf.merge(List.of(same, ifWritten.outputFalse())).output();

    SwitchCond<T> stale = tf.switchCond(weight, valid);
    Operand<T> fresh = compute.apply(stale.outputFalse());
    AssignVariableOp store = tf.assignVariableOp(handle,
        tf.concat(List.of(fresh, rowsOf(tf, stale.outputFalse())), tf.constant(0)));
    Operand<T> computed = tf.withControlDependencies(List.of(store)).identity(fresh);
    Operand<T> cached = tf.slice(tf.switchCond(stored, valid).outputTrue(), tf.constant(new int[] {0, 0}),
        tf.constant(new int[] {rows, columns}));
    return tf.stopGradient(tf.merge(List.of(computed, cached)).output());
  }

  /** The weight flattened and zero-padded to {@code [copyRows, columns]}. */
  private Operand<T> rowsOf(Ops tf, Operand<T> weight) {
    Operand<T> flat = tf.reshape(weight, tf.constant(new int[] {1, weightSize}));
    int padding = copyRows * columns - weightSize;
    Operand<T> padded = padding == 0 ? flat
        : tf.pad(flat, tf.constant(new int[][] {{0, 0}, {0, padding}}), Tensors.scalar(tf, 0.0, type));
    return tf.reshape(padded, tf.constant(new int[] {copyRows, columns}));
  }
}
