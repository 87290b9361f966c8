package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.tf.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Operand;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat64;

/**
 * The conformance suite cannot tell over-masked (or under-masked but still triangular) PixelCNN convolutions from
 * correct ones. Here the brute-force Jacobian of MAF with a pixelCnn conditioner on a {@code 5×4×2} image must have
 * exactly the predicted pattern. Pixels are taken in visiting order (the image turned by 180° for
 * {@code reversed()}); for output pixel q, channel o and input pixel p, channel i:
 *
 * <ul>
 *   <li>p = q: {@code ∂z_{q,o}/∂x_{q,i}} is non-zero when i = o (it is {@code s_{q,o}}) and exactly zero otherwise;
 *   <li>p in the receptive field of q: non-zero for at least one example of the batch;
 *   <li>any other p (after q in raster order, or before it but out of reach): exactly zero in every example.
 * </ul>
 *
 * The receptive field is computed here by walking the masks: the pixels one mask-A tap away from q (rows above
 * within {@code k/2}, or left of q on its row within {@code k/2}), then up to {@code layers − 1} mask-B taps (the
 * same, or staying put), never leaving the image (outside it the convolutions read zero padding). It contains
 * only pixels strictly before q (so the Jacobian is block lower triangular in raster order, diagonal blocks
 * diagonal) and leaves out PixelCNN's blind spot up and to the right; {@link #theReceptiveFieldIsTheOneWorkedOutByHand}
 * checks it against a few pixels worked out by hand.
 */
class PixelCnnStructureTest {
  private static final int HEIGHT = 5;
  private static final int WIDTH = 4;
  private static final int CHANNELS = 2;

  @ParameterizedTest(name = "{0}, k = {1}, layers = {2}")
  @CsvSource({"NATURAL, 3, 2", "REVERSED, 3, 2", "NATURAL, 5, 1", "NATURAL, 3, 4"})
  void jacobianHasExactlyThePredictedPattern(AutoregressiveOrder.Kind kind, int kernelSize, int layers) {
    Shape shape = Shape.of(HEIGHT, WIDTH, CHANNELS);
    AutoregressiveOrder order = kind == AutoregressiveOrder.Kind.REVERSED
        ? AutoregressiveOrder.reversed()
        : AutoregressiveOrder.natural();
    MaskedAutoregressive step = new MaskedAutoregressive(
        Conditioners.pixelCnn(6).layers(layers).kernelSize(kernelSize).activation(Activation.TANH), order,
        AutoregressiveDirection.MAF, AffineScale.expSoftClamp(2.0));
    FlowSpec spec = Flows.sequential(shape).add(step).build();
    int d = shape.size();
    int batch = FlowChecks.BATCH;
    try (GraphFixture g = new GraphFixture()) {
      CompiledFlow<TFloat64> flow = FlowCompiler.compileFloat64(g.tf, spec, 4);
      Layer<TFloat64> layer = flow.layers().get(0);
      Placeholder<TFloat64> x = FlowChecks.input(g, shape);
      g.perturb(flow.trainableVariables(), 0.5, 3);
      Operand<TFloat64> y = g.tf.reshape(
          layer.forwardAndLogDet(g.tf, x, PassContext.training()).value(), g.tf.constant(new int[] {batch, d}));
      List<double[]> rows = g.fetch(BruteForceJacobian.rows(g.tf, y, x, batch, d),
          Map.of(x, FlowChecks.randomBatch(shape, 2, 0.0, 1.0)));
      int connected = 0;
      int unreachableBefore = 0;
      for (int q = 0; q < HEIGHT * WIDTH; q++) {
        Set<Integer> field = receptiveField(q, kernelSize, layers);
        for (int p = 0; p < HEIGHT * WIDTH; p++) {
          for (int o = 0; o < CHANNELS; o++) {
            for (int i = 0; i < CHANNELS; i++) {
              double[] entries = new double[batch]; // ∂z_{q,o}/∂x_{p,i} per example
              for (int b = 0; b < batch; b++) {
                entries[b] = rows.get(flat(q, o, kind))[b * d + flat(p, i, kind)];
              }
              String what = String.format("dz[pixel %s, channel %s]/dx[pixel %s, channel %s]", q, o, p, i);
              boolean expectNonZero = p == q ? i == o : field.contains(p);
              if (expectNonZero) {
                assertThat(FlowChecks.maxAbs(entries)).as(what).isGreaterThan(1e-9);
                connected += p == q ? 0 : 1;
              } else {
                assertThat(entries).as(what).containsOnly(0.0);
                unreachableBefore += p < q ? 1 : 0;
              }
            }
          }
        }
      }
      System.out.printf("pixelCnn structure %s k=%s layers=%s: %s connected entries before the diagonal, %s "
          + "before it out of reach%n", kind, kernelSize, layers, connected, unreachableBefore);
    }
  }

  @Test
  void theReceptiveFieldIsTheOneWorkedOutByHand() {
    // k = 3, 2 layers, pixel (3, 1) of the 5×4 image: one or two taps of (-1, -1), (-1, 0), (-1, +1), (0, -1).
    Set<Integer> field = receptiveField(pixel(3, 1), 3, 2);
    assertThat(field).contains(pixel(3, 0), pixel(2, 0), pixel(2, 1), pixel(2, 2), pixel(1, 0), pixel(1, 1),
        pixel(1, 2), pixel(1, 3));
    assertThat(field).doesNotContain(pixel(3, 1), pixel(3, 2), pixel(4, 0)) // q itself and later pixels
        .doesNotContain(pixel(2, 3)) // the blind spot: one row up, two columns right
        .doesNotContain(pixel(0, 1)); // three rows up, beyond two layers
    assertThat(field).hasSize(8);
    // Every pixel in the field comes strictly before q in raster order, for every q.
    for (int q = 0; q < HEIGHT * WIDTH; q++) {
      for (int p : receptiveField(q, 5, 3)) {
        assertThat(p).isLessThan(q);
      }
    }
  }

  /** The pixels (raster index in visiting order) whose values can reach pixel q's outputs. */
  private static Set<Integer> receptiveField(int q, int kernelSize, int layers) {
    Set<Integer> field = new HashSet<>(step(Set.of(q), kernelSize, false));
    for (int layer = 1; layer < layers; layer++) {
      field.addAll(step(field, kernelSize, true));
    }
    return field;
  }

  /** The pixels one masked tap away from any of {@code from}: above within k/2 rows, or left on the same row. */
  private static Set<Integer> step(Set<Integer> from, int kernelSize, boolean withCentre) {
    int m = kernelSize / 2;
    Set<Integer> to = new HashSet<>();
    for (int p : from) {
      int r = p / WIDTH;
      int c = p % WIDTH;
      for (int dr = -m; dr <= 0; dr++) {
        for (int dc = -m; dc <= m; dc++) {
          boolean beforeCentre = dr < 0 || dc < 0;
          boolean inside = r + dr >= 0 && c + dc >= 0 && c + dc < WIDTH;
          if ((beforeCentre || (withCentre && dc == 0)) && inside) {
            to.add(pixel(r + dr, c + dc));
          }
        }
      }
    }
    return to;
  }

  private static int pixel(int row, int column) {
    return row * WIDTH + column;
  }

  /** The flat index in the data layout of channel {@code channel} of visiting-order pixel {@code p}. */
  private static int flat(int p, int channel, AutoregressiveOrder.Kind kind) {
    int stored = kind == AutoregressiveOrder.Kind.REVERSED ? HEIGHT * WIDTH - 1 - p : p;
    return stored * CHANNELS + channel;
  }
}
