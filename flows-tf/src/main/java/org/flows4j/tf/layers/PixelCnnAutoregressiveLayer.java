package org.flows4j.tf.layers;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.tf.PassContext;
import org.flows4j.tf.Transformed;
import org.flows4j.tf.graph.WhileLoop;
import org.flows4j.tf.layers.AutoregressiveAffine.ShiftAndLogScale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.family.TFloating;

/**
 * MAF on an image {@code [h, w, c]}: {@code z = a(x; PixelCNN(x))} with the affine map of
 * {@link AutoregressiveAffine}, the pixels visited in raster order (row by row, left to right; {@code reversed()}
 * is the same on the image turned by 180°). The shift and scale of pixel p depend on every channel of the pixels
 * before p and on nothing of p itself ({@link PixelCnnNet}), so the Jacobian is block lower triangular in raster
 * order with diagonal blocks {@code diag(s_p)}: log-det {@code Σ log s}, exact.
 *
 * <ul>
 *   <li>Forward (density): one network evaluation.
 *   <li>Inverse (sampling): {@code x = a⁻¹(z; PixelCNN(x))}, solved pixel by pixel in raster order in a functional
 *       while loop ({@link WhileLoop}). Iteration p computes the parameters of p from the pixels already solved and
 *       sets all of p's channels; it is exact after {@code h·w} iterations. Only the rows the network can see from
 *       p's row are fed to it ({@link PixelCnnNet#rowsOfContext()} rows above, fewer near the top), so an iteration
 *       costs one network pass over at most {@code layers·(k/2) + 1} rows. The loop's result carries no gradient;
 *       the inverse log-det is {@code −Σ log s} from one more network pass over the solved x.
 * </ul>
 *
 * IAF on images is rejected by validation: its density pass would be the loop, which carries no gradient.
 */
final class PixelCnnAutoregressiveLayer<T extends TFloating> extends AbstractLayer<T, MaskedAutoregressive> {
  private final int height;
  private final int width;
  private final int channels;
  private final boolean reversed;
  private final PixelCnnNet<T> net;
  private final AutoregressiveAffine<T> affine;

  PixelCnnAutoregressiveLayer(Ops tf, MaskedAutoregressive spec, Shape shape, Parameters<T> parameters) {
    super(spec, shape, parameters.type());
    Preconditions.checkArgument(spec.direction() == AutoregressiveDirection.MAF,
        "only MAF is compiled on images (validation rejects IAF), but the step is %s", spec);
    Preconditions.checkArgument(spec.order().kind() != AutoregressiveOrder.Kind.RANDOM,
        "images are visited in raster order (validation rejects random orders), but the step is %s", spec);
    this.height = shape.dim(0);
    this.width = shape.dim(1);
    this.channels = shape.dim(2);
    this.reversed = spec.order().kind() == AutoregressiveOrder.Kind.REVERSED;
    this.net = new PixelCnnNet<>(tf, (PixelCnnConditioner) spec.conditioner(), channels, parameters.in("pixelcnn"));
    this.affine = new AutoregressiveAffine<>(spec.scale(), type);
  }

  /** The image in visiting order: as is, or turned by 180° (the turn is its own inverse). */
  private Operand<T> visiting(Ops tf, Operand<T> image) {
    return reversed ? tf.reverse(image, tf.constant(new int[] {1, 2})) : image;
  }

  private ShiftAndLogScale<T> parameters(Ops tf, Operand<T> x, List<? extends Operand<T>> weights) {
    return affine.parameters(tf, net.apply(tf, x, weights), channels, 3);
  }

  @Override
  public Transformed<T> forwardAndLogDet(Ops tf, Operand<T> x, PassContext<T> context) {
    Operand<T> u = visiting(tf, x);
    ShiftAndLogScale<T> params = parameters(tf, u, net.weights(tf));
    return new Transformed<>(visiting(tf, affine.forward(tf, u, params)), affine.logDet(tf, params, 3));
  }

  @Override
  public Transformed<T> inverseAndLogDet(Ops tf, Operand<T> z, PassContext<T> context) {
    List<Operand<T>> weights = net.weights(tf);
    Operand<T> x = solve(tf, visiting(tf, z), weights);
    ShiftAndLogScale<T> params = parameters(tf, x, weights);
    return new Transformed<>(visiting(tf, x), tf.math.neg(affine.logDet(tf, params, 3)));
  }

  /**
   * Solves {@code v = a(x; PixelCNN(x))} for x (in visiting order), one pixel per iteration. Loop variables: 0 the
   * position p, 1 x (unsolved pixels hold v: any value would do, nothing solved reads them), 2 v, 3.. the weights.
   */
  private Operand<T> solve(Ops tf, Operand<T> v, List<Operand<T>> weights) {
    int positions = height * width;
    int h = height;
    int w = width;
    int context = net.rowsOfContext();
    List<Operand<?>> initial = new ArrayList<>(List.of(tf.constant(0), v, v));
    initial.addAll(weights);
    int fixed = 3;
    List<Operand<?>> out = WhileLoop.run(tf, "pixelcnn_maf_inverse", initial,
        (f, vars) -> f.math.less(WhileLoop.<TInt32>get(vars, 0), f.constant(positions)),
        (f, vars) -> {
          Operand<TInt32> p = WhileLoop.get(vars, 0);
          Operand<T> x = WhileLoop.get(vars, 1);
          Operand<T> target = WhileLoop.get(vars, 2);
          List<Operand<T>> ws = WhileLoop.getFrom(vars, fixed);
          Operand<TInt32> row = f.math.floorDiv(p, f.constant(w));
          // The rows p's parameters can depend on: [first, row]; the band's own zero padding above `first` never
          // reaches row `row` (a tap moves at most k/2 rows up per layer).
          Operand<TInt32> first = f.math.maximum(f.constant(0), f.math.sub(row, f.constant(context)));
          Operand<TInt32> bandRows = f.math.add(f.math.sub(row, first), f.constant(1));
          Operand<T> band = f.slice(x, rows(f, first), size(f, bandRows));
          Operand<T> raw = f.slice(net.apply(f, band, ws), rows(f, f.math.sub(row, first)), size(f, f.constant(1)));
          ShiftAndLogScale<T> params = affine.parameters(f, raw, channels, 3);
          Operand<T> solvedRow = affine.inverse(f, f.slice(target, rows(f, row), size(f, f.constant(1))), params);
          // Back to full height (zeros elsewhere), then keep only pixel p of it.
          Operand<TInt32> paddings = f.reshape(f.stack(List.of(f.constant(0), f.constant(0), row,
                  f.math.sub(f.constant(h - 1), row), f.constant(0), f.constant(0), f.constant(0), f.constant(0))),
              f.constant(new int[] {4, 2}));
          Operand<T> solved = f.pad(solvedRow, paddings, Tensors.scalar(f, 0.0, type));
          Operand<TBool> atP = f.reshape(f.math.equal(f.range(f.constant(0), f.constant(positions), f.constant(1)), p),
              f.constant(new int[] {1, h, w, 1}));
          List<Operand<?>> next = new ArrayList<>(List.of(f.math.add(p, f.constant(1)), f.select(atP, solved, x),
              target));
          next.addAll(ws);
          return next;
        });
    return WhileLoop.get(out, 1);
  }

  /** Slice begin {@code [0, row, 0, 0]}. */
  private static Operand<TInt32> rows(Ops f, Operand<TInt32> row) {
    return f.stack(List.of(f.constant(0), row, f.constant(0), f.constant(0)));
  }

  /** Slice size {@code [all, rows, all, all]}. */
  private static Operand<TInt32> size(Ops f, Operand<TInt32> rows) {
    return f.stack(List.of(f.constant(-1), rows, f.constant(-1), f.constant(-1)));
  }

  @Override
  public List<Variable<T>> variables() {
    return net.variables();
  }
}
