package org.flows4j.tf;

import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.conditioner.MlpConditioner;
import org.flows4j.api.conditioner.PixelCnnConditioner;
import org.flows4j.api.data.VariationalDequantization;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.step.ActNorm;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.EmergingConv;
import org.flows4j.api.step.InvertibleConv1x1;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.step.PeriodicConv;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.StepSpec;

/**
 * How much memory a flow will take, estimated from its spec alone (nothing is compiled), so that a command can refuse
 * sizes no machine can take before it allocates anything: {@code --width 100000}, {@code --batch 2000000000},
 * K = 100000 importance samples. It counts float32 values:
 *
 * <ul>
 *   <li>weights, from each step's shape and conditioner (a dense layer {@code in·out}, a k×k convolution
 *       {@code k²·in·out}, attention's {@code P²} scores per head), times 5 when training (the weights, their
 *       gradient, Adam's two slots and the weight average) and 2 otherwise;
 *   <li>activations per example, the values each layer produces, times 3 when training (the forward pass, what it
 *       keeps for the backward pass, the gradients) and 2 otherwise, times the rows of one call;
 *   <li>the graph itself, {@value #GRAPH_BYTES_PER_STEP} bytes per step (measured: building 100000 steps took 24 GB).
 * </ul>
 *
 * <p>That count ({@link #modelBytes()}) leaves out what every process pays and what TensorFlow adds around the
 * values it counts, so the figure a command compares with the memory available is calibrated against measured peaks
 * ({@link #peakBytes()}): {@code RUNTIME_BYTES + MARGIN · modelBytes}. Both constants come from
 * {@code bench/MemoryEstimateProbe} (README, "Benchmarks"), which trains 3 steps of a few presets in child JVMs and
 * reads their peak RSS on an idle machine:
 *
 * <ul>
 *   <li>{@link #MARGIN} = 1.4: where the model dominates, the peaks were 1.23× (realnvp-2d, batch 65536: 822 MiB
 *       counted, 1009 MiB RSS) and 1.40× (realnvp-2d, width 1024, batch 4096: 936 MiB, 1309 MiB) the count;
 *   <li>{@link #RUNTIME_BYTES} = 460 MiB: the JVM, the TensorFlow natives and an empty session, from the smallest
 *       models, whose count is a few MiB: 431 MiB RSS for realnvp-2d at batch 256 (7 MiB counted) and 497 MiB for
 *       glow-28 at batch 16 (37 MiB counted, so 497 − 1.4 · 37 = 445 MiB left for the runtime).
 * </ul>
 *
 * <p>With these, every peak the probe recorded is at most the calibrated figure ({@code MemoryEstimateCalibrationTest}
 * reads the README's table and checks it). It remains an estimate, meant to tell a setting that cannot fit from one
 * that might: a command refuses only when the calibrated figure exceeds all the memory the machine has available.
 */
public final class MemoryEstimate {
  static final long GRAPH_BYTES_PER_STEP = 256 * 1024;
  /** The resident memory of the JVM, the TensorFlow natives and an empty session; see the class comment. */
  public static final long RUNTIME_BYTES = 460L << 20;
  /** Measured peaks over the counted values, where the model dominates: at most 1.40; see the class comment. */
  public static final double MARGIN = 1.4;
  private static final long FLOAT = 4;

  private final long weightBytes;
  private final long activationBytes;
  private final long graphBytes;

  private MemoryEstimate(long weightBytes, long activationBytes, long graphBytes) {
    this.weightBytes = weightBytes;
    this.activationBytes = activationBytes;
    this.graphBytes = graphBytes;
  }

  /** Weights, with optimizer state when training. */
  public long weightBytes() {
    return weightBytes;
  }

  /** Activations of one call. */
  public long activationBytes() {
    return activationBytes;
  }

  /** The graph's own memory. */
  public long graphBytes() {
    return graphBytes;
  }

  /** What the count covers: weights, activations and graph (no runtime, no margin). */
  public long modelBytes() {
    return saturatedAdd(saturatedAdd(weightBytes, activationBytes), graphBytes);
  }

  /** The calibrated peak resident memory: {@code RUNTIME_BYTES + MARGIN · modelBytes()}, saturating. */
  public long peakBytes() {
    double scaled = Math.ceil(MARGIN * modelBytes());
    return scaled >= Long.MAX_VALUE - RUNTIME_BYTES ? Long.MAX_VALUE : RUNTIME_BYTES + (long) scaled;
  }

  /** Training with batches of {@code batch} examples: weights with optimizer state, activations with gradients. */
  public static MemoryEstimate training(FlowSpec spec, long batch) {
    Count count = count(spec);
    return new MemoryEstimate(times(count.weights, 5 * FLOAT),
        times(times(count.activationsPerExample, 3 * FLOAT), batch), times(count.steps, GRAPH_BYTES_PER_STEP));
  }

  /** Evaluating or sampling {@code rows} rows in one call (examples × importance samples). */
  public static MemoryEstimate evaluation(FlowSpec spec, long rows) {
    Count count = count(spec);
    return new MemoryEstimate(times(count.weights, 2 * FLOAT),
        times(times(count.activationsPerExample, 2 * FLOAT), rows), times(count.steps, GRAPH_BYTES_PER_STEP));
  }

  /** The weights the spec declares (an estimate: see the class comment). */
  public static long parameters(FlowSpec spec) {
    return count(spec).weights;
  }

  /**
   * Fails when the calibrated peak ({@link #peakBytes()}) exceeds the memory available.
   *
   * @param what what needs the memory, e.g. "training with --batch 256"
   * @param lower what to lower to need less, e.g. "Lower --batch, --width or --depth."
   * @throws InsufficientMemoryException saying how much is needed, how much there is, and {@code lower}
   */
  public void checkFits(String what, String lower) {
    long available = availableBytes();
    if (peakBytes() > available) {
      throw new InsufficientMemoryException(String.format(Locale.ROOT, "%s needs about %s (weights %s, "
          + "activations %s, graph %s, times %.1f, plus %s for the runtime), more than the %s of memory available. %s",
          what, human(peakBytes()), human(weightBytes), human(activationBytes), human(graphBytes), MARGIN,
          human(RUNTIME_BYTES), human(available), lower));
    }
  }

  /**
   * Memory a new process could use: {@code MemAvailable} from {@code /proc/meminfo} (RAM not needed by others,
   * including caches the kernel can drop), or, where there is no such file, the JVM's heap limit.
   */
  public static long availableBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemAvailable:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Not Linux: fall back to the heap limit below.
    }
    return Runtime.getRuntime().maxMemory();
  }

  /** Bytes as a person reads them: "3.2 GB", "512 MB". */
  public static String human(long bytes) {
    if (bytes >= 1L << 40) {
      return String.format(Locale.ROOT, "%.1f TB", bytes / (double) (1L << 40));
    }
    if (bytes >= 1L << 30) {
      return String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
    }
    return String.format(Locale.ROOT, "%d MB", Math.max(1, bytes >> 20));
  }

  private record Count(long weights, long activationsPerExample, long steps) {
    Count plus(Count other) {
      return new Count(saturatedAdd(weights, other.weights),
          saturatedAdd(activationsPerExample, other.activationsPerExample), saturatedAdd(steps, other.steps));
    }
  }

  private static Count count(FlowSpec spec) {
    ImmutableList<Shape> shapes = Flows.shapes(spec);
    List<StepSpec> steps = spec.steps();
    Count total = new Count(0, spec.inputShape().size(), steps.size());
    for (int i = 0; i < steps.size(); i++) {
      total = total.plus(step(steps.get(i), shapes.get(i)));
    }
    if (spec.dequantization() instanceof VariationalDequantization variational) {
      Shape data = spec.inputShape();
      total = total.plus(count(variational.flow()))
          .plus(conditioner(variational.context(), data, variational.contextFeatures()));
    }
    return total;
  }

  private static Count step(StepSpec step, Shape input) {
    long channels = input.features();
    long values = input.size();
    if (step instanceof AdditiveCoupling coupling) {
      return conditioner(coupling.conditioner(), input, channels);
    }
    if (step instanceof AffineCoupling coupling) {
      return conditioner(coupling.conditioner(), input, 2 * channels);
    }
    if (step instanceof MixtureLogisticsCoupling coupling) {
      return conditioner(coupling.conditioner(), input, (3L * coupling.components() + 2) * channels);
    }
    if (step instanceof MaskedAutoregressive maf) {
      return conditioner(maf.conditioner(), input, 2 * channels);
    }
    if (step instanceof ResidualBlock block) {
      // The series of log-det terms runs the branch a few times more; count four passes.
      Count branch = block.branch() instanceof LipschitzMlp mlp
          ? dense(values, mlp.hiddenWidths(), values)
          : convolutions(input, ((LipschitzConvNet) block.branch()).width(), 3, channels);
      return new Count(branch.weights, times(branch.activationsPerExample, 4), 0);
    }
    if (step instanceof EmergingConv conv) {
      long k2 = (long) conv.kernelSize() * conv.kernelSize();
      return new Count(times(2 * k2, channels * channels), 4 * values, 0);
    }
    if (step instanceof PeriodicConv conv) {
      long k2 = (long) conv.kernelSize() * conv.kernelSize();
      return new Count(times(k2, channels * channels), 4 * values, 0);
    }
    if (step instanceof InvertibleConv1x1) {
      return new Count(channels * channels, 2 * values, 0);
    }
    if (step instanceof ActNorm) {
      return new Count(2 * channels, 2 * values, 0);
    }
    return new Count(0, 2 * values, 0); // permutations, squeeze, factor-out: a copy of the data
  }

  /** A conditioner from the shape it sees to {@code outputsPerPosition} values per position (per value on vectors). */
  private static Count conditioner(ConditionerSpec conditioner, Shape input, long outputs) {
    long channels = input.features();
    if (conditioner instanceof MlpConditioner mlp) {
      return dense(input.size(), mlp.hiddenWidths(), input.isVector() ? outputs : outputs * input.size() / channels);
    }
    if (conditioner instanceof ConvNetConditioner conv) {
      return convolutions(input, conv.width(), conv.kernelSize(), outputs);
    }
    if (conditioner instanceof PixelCnnConditioner pixelCnn) {
      Count layers = convolutions(input, pixelCnn.width(), pixelCnn.kernelSize(), outputs);
      long extra = Math.max(0, pixelCnn.layers() - 2);
      long width = pixelCnn.width();
      long k2 = (long) pixelCnn.kernelSize() * pixelCnn.kernelSize();
      long positions = input.size() / channels;
      return new Count(saturatedAdd(layers.weights, times(extra * k2, width * width)),
          saturatedAdd(layers.activationsPerExample, times(extra * positions, width)), 0);
    }
    AttentionConvNetConditioner attention = (AttentionConvNetConditioner) conditioner;
    long width = attention.width();
    long positions = input.size() / channels;
    long blocks = attention.blocks();
    // Per block: a gated 3×3 conv (9·2W·2W), a 1×1 gate, attention projections (4·W²), and P² scores per head.
    long weights = saturatedAdd(times(9 * (channels + outputs), width), times(blocks * 26, width * width));
    long activations = saturatedAdd(times(blocks * 12 * positions, width),
        times(blocks * attention.heads(), times(positions, positions)));
    return new Count(weights, activations, 0);
  }

  private static Count dense(long in, List<Integer> hidden, long out) {
    long weights = 0;
    long activations = 0;
    long previous = in;
    for (int width : hidden) {
      weights = saturatedAdd(weights, times(previous + 1, width));
      activations = saturatedAdd(activations, width);
      previous = width;
    }
    return new Count(saturatedAdd(weights, times(previous + 1, out)), saturatedAdd(activations, out), 0);
  }

  /** Glow's conditioner: k×k conv to {@code width}, 1×1 conv, k×k conv to {@code outputs} per position. */
  private static Count convolutions(Shape input, long width, long kernelSize, long outputs) {
    long channels = input.features();
    long positions = input.size() / channels;
    long k2 = kernelSize * kernelSize;
    long weights = saturatedAdd(saturatedAdd(times(k2 * channels, width), times(width, width)),
        times(k2 * width, outputs));
    long activations = times(positions, saturatedAdd(2 * width, outputs));
    return new Count(weights, activations, 0);
  }

  private static long times(long a, long b) {
    long product = a * b;
    long high = Math.multiplyHigh(a, b);
    return (high != 0 || product < 0) && a != 0 && b != 0 ? Long.MAX_VALUE : product;
  }

  private static long saturatedAdd(long a, long b) {
    long sum = a + b;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }
}
