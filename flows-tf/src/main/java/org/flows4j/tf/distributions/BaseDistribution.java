package org.flows4j.tf.distributions;

import java.util.List;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.base.DiagonalGaussian;
import org.flows4j.api.base.StandardLogistic;
import org.flows4j.api.base.StandardNormal;
import org.flows4j.tf.layers.Parameters;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;

/** A factorised distribution over flat latents {@code [batch, dimension]}. */
public interface BaseDistribution<T extends TFloating> {
  /** {@code log p(z)} per example, {@code [batch]}. */
  Operand<T> logProb(Ops tf, Operand<T> z);

  /**
   * {@code n} draws, {@code [n, dimension]}, from the distribution with its spread scaled by {@code temperature}
   * (Glow's reduced-temperature sampling). Stateless: the same {@code seed} ({@code [2]} int64) gives the same
   * draws; they are rows {@code [0, n)} of the seed's stream of rows (see {@link #sample(Ops, Operand, Operand,
   * Operand, Operand)}).
   */
  default Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed) {
    return sample(tf, n, temperature, seed, tf.constant(0L));
  }

  /**
   * Rows {@code [firstRow, firstRow + n)} of the endless stream of draws that {@code seed} defines
   * ({@link org.flows4j.tf.Seeds#normalRows}): sampling in chunks of any size gives exactly the rows of one call.
   *
   * @param firstRow int64 scalar, at least 0
   */
  Operand<T> sample(Ops tf, Operand<TInt32> n, Operand<T> temperature, Operand<TInt64> seed, Operand<TInt64> firstRow);

  List<Variable<T>> variables();

  /** The shape {@code [n, dimension]} as an op, for the random ops. */
  static Operand<TInt32> sampleShape(Ops tf, Operand<TInt32> n, int dimension) {
    return tf.stack(List.of(n, tf.constant(dimension)));
  }

  static <T extends TFloating> BaseDistribution<T> create(
      Ops tf, BaseSpec spec, int dimension, Parameters<T> parameters) {
    if (spec instanceof DiagonalGaussian) {
      return new DiagonalGaussianDistribution<>(tf, dimension, parameters.in("base"));
    } else if (spec instanceof StandardLogistic) {
      return new StandardLogisticDistribution<>(dimension, parameters.type());
    } else if (spec instanceof StandardNormal) {
      return new StandardNormalDistribution<>(dimension, parameters.type());
    }
    throw new IllegalArgumentException("no distribution for base " + spec);
  }
}
