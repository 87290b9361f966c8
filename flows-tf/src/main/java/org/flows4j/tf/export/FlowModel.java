package org.flows4j.tf.export;

import com.google.common.base.Preconditions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Shape;
import org.flows4j.api.context.ClassContext;
import org.flows4j.api.data.NoDequantization;
import org.tensorflow.exceptions.TFInvalidArgumentException;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.ImportanceSamples;
import org.flows4j.tf.SampleChunks;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;
import org.jspecify.annotations.Nullable;

/**
 * A flow exported by flows4j, loaded back from its SavedModel directory: log-probabilities, sampling, encoding
 * and decoding through the exported signatures. Close it to free the native model.
 *
 * <p>Arrays are row-major float32: {@code n} examples of the spec's input shape one after the other, so
 * {@code float[n·D]} for vectors of size D and {@code [n, height, width, channels]} for images. Data are in data
 * units: for a spec with {@code dequantize(uniform(levels))}, whole pixel values 0–255 stored as floats. Latents are
 * flat, {@code [n, D]}, distributed as the spec's base ({@link FlowSpec#base()}: a standard logistic for NICE, not
 * always a Gaussian).
 */
public final class FlowModel implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final FlowSpec spec;
  private int sampleRowsPerCall = SampleChunks.DEFAULT_ROWS_PER_CALL;

  private FlowModel(SavedModelBundle bundle, FlowSpec spec) {
    this.bundle = bundle;
    this.spec = spec;
  }

  /**
   * Loads a model written by {@code Trainer.exportSavedModel}; clear errors for a missing or foreign folder.
   *
   * @param directory the SavedModel folder (the one holding {@code saved_model.pb})
   */
  public static FlowModel load(Path directory) {
    Path specFile = directory.resolve(Signatures.SPEC_ASSET);
    if (!Files.isRegularFile(directory.resolve("saved_model.pb"))) {
      throw new IllegalArgumentException("no SavedModel in " + directory
          + " (saved_model.pb is missing). Export one with `flows export` or Trainer.exportSavedModel.");
    }
    FlowSpec spec;
    try {
      spec = FlowSpecJson.fromJson(Files.readString(specFile, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalArgumentException("the SavedModel in " + directory + " has no readable " + Signatures.SPEC_ASSET
          + ": it was not exported by flows4j, or the file was removed (" + e.getMessage() + ")", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the SavedModel in " + directory + " has a damaged " + Signatures.SPEC_ASSET
          + " (" + firstLine(e.getMessage()) + "). " + EXPORT_AGAIN, e);
    }
    SavedModelBundle bundle;
    try {
      // Soft placement: a model trained with in-graph replicas (--devices N) keeps their device pins in its graph;
      // without it, loading on a machine with fewer devices fails.
      bundle = SavedModelBundle.loader(directory.toString()).withTags(SavedModelBundle.DEFAULT_TAG)
          .withConfigProto(ConfigProto.newBuilder().setAllowSoftPlacement(true).build()).load();
    } catch (RuntimeException e) {
      // TensorFlow's loader checks the graph proto and every variable's checksum: a truncated saved_model.pb or a
      // flipped byte in variables/ ends here, as a TensorFlowException with a long native message.
      throw new IllegalArgumentException("the SavedModel in " + directory + " is damaged and cannot be loaded ("
          + firstLine(e.getMessage()) + "). " + EXPORT_AGAIN, e);
    }
    return new FlowModel(bundle, spec);
  }

  private static final String EXPORT_AGAIN = "Export it again from a checkpoint (`flows export --out RUN` or "
      + "Trainer.exportSavedModel).";

  private static String firstLine(@Nullable String message) {
    if (message == null || message.isBlank()) {
      return "no detail";
    }
    return message.strip().lines().findFirst().orElse("no detail");
  }

  /** The spec the model was trained from (read from {@code assets/flow_spec.json}). */
  public FlowSpec spec() {
    return spec;
  }

  /**
   * {@code log p(x)} in nats, one per example. For dequantized data, the bound on {@code log P(x)} with one fixed
   * dequantization draw (the one {@code Trainer.evaluate} uses for its first chunk), every term counted.
   *
   * @param x {@code n} examples, row-major, in data units (whole pixel values 0–255 for images)
   * @param n the number of examples in {@code x}
   * @return {@code float[n]}
   */
  public float[] logProb(float[] x, int n) {
    requireUnconditional("logProb(x, c, n)");
    return call(Signatures.LOG_PROB, Map.of(Signatures.X, input(x, n)), Signatures.LOG_PROB_OUTPUT);
  }

  /**
   * Bits per dimension, one per example: {@code -logProb(x) / (D·ln 2)}.
   *
   * @param x {@code n} examples, row-major, in data units
   * @param n the number of examples in {@code x}
   * @return {@code float[n]}
   */
  public float[] bitsPerDim(float[] x, int n) {
    requireUnconditional("bitsPerDim(x, c, n)");
    return call(Signatures.LOG_PROB, Map.of(Signatures.X, input(x, n)), Signatures.BITS_PER_DIM);
  }

  /**
   * The importance-weighted bound on {@code log P(x)} in nats per example, over {@code samples.count()} = K
   * dequantization draws (the tighter figure for variational dequantization); K = 1 equals {@link #logProb}. Costs
   * K passes over the batch. When the K draws of the {@code n} examples fit in {@code samples.maxRowsPerCall()}
   * rows, one call takes them all; otherwise chunks of examples take all their draws, or, for K above the rows of
   * one call, each example's draws go in chunks. Every call says where its draws sit in the export's noise stream
   * (the {@code log_prob_importance_weighted_rows} signature: draw k of example e is row {@code e·K + k}), so the
   * chunked figure is the single call's, up to float round-off in combining chunks, and memory stays that of one
   * call of at most {@code maxRowsPerCall} rows.
   *
   * @param x {@code n} examples, row-major, in data units
   * @param n the number of examples in {@code x}
   * @param samples K and the rows of one call: {@code ImportanceSamples.of(K)}
   * @return {@code float[n]}, nats
   * @throws IllegalArgumentException when the draws need chunks and the model was exported before chunked
   *     importance sampling existed (export it again)
   */
  public float[] logProbImportanceWeighted(float[] x, int n, ImportanceSamples samples) {
    requireUnconditional("logProbImportanceWeighted(x, c, n, samples)");
    Preconditions.checkNotNull(samples, "samples");
    return importanceWeighted(x, null, n, samples);
  }


  /** K draws of the examples, in one call when they fit in the rows of one call, else in seeded chunks of draws. */
  private float[] importanceWeighted(float[] x, float @Nullable [] c, int n, ImportanceSamples samples) {
    int count = samples.count();
    if ((long) count * n <= samples.maxRowsPerCall()) {
      Map<String, Tensor> inputs = new java.util.HashMap<>();
      inputs.put(Signatures.X, input(x, n));
      inputs.put(Signatures.SAMPLES, TInt32.scalarOf(count));
      if (c != null) {
        inputs.put(Signatures.C, contexts(c, n));
      }
      return call(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED, inputs, Signatures.LOG_PROB_OUTPUT);
    }
    if (hasSignature(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_ROWS)) {
      return importanceWeightedRows(x, c, n, samples);
    }
    // Exported before the _rows signature: chunks of draws with their own seeds (statistically, not exactly, the
    // figure of one call).
    if (bundle.signatures().stream()
        .noneMatch(signature -> signature.key().equals(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_SEEDED))) {
      throw new IllegalArgumentException(count + " importance samples of " + n + " examples need more than the "
          + samples.maxRowsPerCall() + " rows of one call, and this model was exported before chunked importance "
          + "sampling (it has no " + Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_SEEDED + " signature). " + EXPORT_AGAIN);
    }
    int drawsPerCall = (int) Math.max(1, samples.maxRowsPerCall() / n);
    double[] total = new double[n];
    java.util.Arrays.fill(total, Double.NEGATIVE_INFINITY);
    for (int first = 0, j = 0; first < count; first += drawsPerCall, j++) {
      int draws = Math.min(drawsPerCall, count - first);
      Map<String, Tensor> inputs = new java.util.HashMap<>();
      inputs.put(Signatures.X, input(x, n));
      inputs.put(Signatures.SAMPLES, TInt32.scalarOf(draws));
      inputs.put(Signatures.SEED, TInt64.scalarOf(ImportanceSamples.chunkSeed(j)));
      if (c != null) {
        inputs.put(Signatures.C, contexts(c, n));
      }
      ImportanceSamples.accumulate(total,
          call(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_SEEDED, inputs, Signatures.LOG_PROB_OUTPUT), draws);
    }
    double[] logMean = ImportanceSamples.logMean(total, count);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) logMean[i];
    }
    return out;
  }


  /**
   * K draws that do not fit in one call, taken so that every draw is the one a single call takes: chunks of whole
   * examples with all their draws when K fits in a call, otherwise one example at a time with its draws in chunks.
   * Each call tells the {@code _rows} signature where its draws sit in the noise stream (draw k of example e is row
   * {@code e·K + k}), so the figure equals one call's up to float round-off in combining the chunks.
   */
  private float[] importanceWeightedRows(float[] x, float @Nullable [] c, int n, ImportanceSamples samples) {
    int count = samples.count();
    int rowsPerCall = samples.maxRowsPerCall();
    int size = spec.inputShape().size();
    int width = c == null ? 0 : c.length / n;
    float[] out = new float[n];
    if (count <= rowsPerCall) {
      int perCall = rowsPerCall / count;
      for (int start = 0; start < n; start += perCall) {
        int m = Math.min(perCall, n - start);
        float[] chunk = weightedRows(java.util.Arrays.copyOfRange(x, start * size, (start + m) * size),
            c == null ? null : java.util.Arrays.copyOfRange(c, start * width, (start + m) * width), m, count,
            (long) start * count);
        System.arraycopy(chunk, 0, out, start, m);
      }
      return out;
    }
    for (int e = 0; e < n; e++) {
      float[] example = java.util.Arrays.copyOfRange(x, e * size, (e + 1) * size);
      float[] context = c == null ? null : java.util.Arrays.copyOfRange(c, e * width, (e + 1) * width);
      double[] total = {Double.NEGATIVE_INFINITY};
      for (int first = 0; first < count; first += rowsPerCall) {
        int draws = Math.min(rowsPerCall, count - first);
        ImportanceSamples.accumulate(total, weightedRows(example, context, 1, draws, (long) e * count + first),
            draws);
      }
      out[e] = (float) ImportanceSamples.logMean(total, count)[0];
    }
    return out;
  }

  /** One call of the {@code _rows} signature: {@code draws} draws of {@code m} examples from noise row {@code firstRow}. */
  private float[] weightedRows(float[] x, float @Nullable [] c, int m, int draws, long firstRow) {
    Map<String, Tensor> inputs = new java.util.HashMap<>();
    inputs.put(Signatures.X, input(x, m));
    inputs.put(Signatures.SAMPLES, TInt32.scalarOf(draws));
    inputs.put(Signatures.FIRST_ROW, TInt64.scalarOf(firstRow));
    if (c != null) {
      inputs.put(Signatures.C, contexts(c, m));
    }
    return call(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_ROWS, inputs, Signatures.LOG_PROB_OUTPUT);
  }

  private boolean hasSignature(String key) {
    return bundle.signatures().stream().anyMatch(signature -> signature.key().equals(key));
  }

  /**
   * The latents of {@code n} examples: deterministic, with discrete data placed at the centres of their bins (no
   * noise). Factored-out parts of multi-scale flows come first, in the order they leave the flow.
   *
   * @param x {@code n} examples, row-major, in data units
   * @param n the number of examples in {@code x}
   * @return {@code float[n·D]}, row-major {@code [n, D]}
   */
  public float[] encode(float[] x, int n) {
    requireUnconditional("encode(x, c, n)");
    return call(Signatures.ENCODE, Map.of(Signatures.X, input(x, n)), Signatures.Z);
  }

  /**
   * Data from latents, the inverse of {@link #encode}. Continuous values: for pixels, {@code decode(encode(p))}
   * gives {@code p} up to float round-off (186.99997 for 187), so round to get whole pixel values back. Flows with
   * an iterative inverse (residual blocks, Flow++ couplings) are exact to their inverse's tolerance.
   *
   * @param z {@code n} latents, row-major {@code [n, D]}
   * @param n the number of latents in {@code z}
   * @return {@code float[n·D]}, row-major in the input shape, data units
   */
  public float[] decode(float[] z, int n) {
    requireUnconditional("decode(z, c, n)");
    return call(Signatures.DECODE, Map.of(Signatures.Z, latents(z, n)), Signatures.X);
  }

  private TFloat32 latents(float[] z, int n) {
    int d = spec.inputShape().size();
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    Preconditions.checkArgument((long) n * d == z.length, "expected %s latents of size %s, but got %s floats", n, d,
        z.length);
    for (int i = 0; i < z.length; i++) {
      if (!Float.isFinite(z[i])) {
        throw new IllegalArgumentException("z must be finite, but z[" + i + "] (latent " + i / d + ") is " + z[i]);
      }
    }
    return HostTensors.float32(z, n, d);
  }

  /**
   * {@code n} samples; the same seed gives the same samples. For dequantized data they are quantised: whole pixel
   * values 0–255. With the same seed, the first rows of a larger {@code n} are the samples of a smaller one for
   * flows with analytic inverses (the base draws its {@code [n, D]} values in order).
   *
   * <p>Drawn in chunks of {@link #sampleRowsPerCall(int)} rows (512 unless set), chunk j taking rows
   * {@code [first, first + rows)} of the seed's samples through the {@code sample_rows} signature, so memory stays
   * that of one chunk however large {@code n} is, and the samples are the same whatever the chunk size (exactly for
   * analytic inverses; an iterative inverse stops on a criterion over its chunk, so there within its tolerance).
   * Only the output array grows with {@code n}; it is refused when it cannot fit. Models exported before
   * {@code sample_rows} existed sample in one call.
   *
   * @param n how many samples
   * @param temperature the base's spread is scaled by it: 1 samples the model, below 1 gives smoother samples
   * @param seed any {@code long}; the same as {@code CompiledFlow.sample}'s long seed
   * @return {@code float[n·D]}, row-major in the input shape, data units
   */
  public float[] sample(int n, double temperature, long seed) {
    requireUnconditional("sample(n, c, temperature, seed)");
    checkSampling(n, temperature);
    return sampleInChunks(n, null, temperature, seed);
  }

  /**
   * Sets the rows of one call of {@link #sample}: fewer for less memory, more for fewer calls. The samples do not
   * depend on it.
   *
   * @return this model
   */
  public FlowModel sampleRowsPerCall(int rows) {
    Preconditions.checkArgument(rows >= 1, "rows must be at least 1, but was %s", rows);
    this.sampleRowsPerCall = rows;
    return this;
  }

  private float[] sampleInChunks(int n, float @Nullable [] c, double temperature, long seed) {
    boolean chunks = hasSignature(Signatures.SAMPLE_ROWS);
    if (n <= sampleRowsPerCall || !chunks) {
      Map<String, Tensor> inputs = new java.util.HashMap<>();
      inputs.put(Signatures.N, TInt32.scalarOf(n));
      inputs.put(Signatures.TEMPERATURE, TFloat32.scalarOf((float) temperature));
      inputs.put(Signatures.SEED, TInt64.scalarOf(seed));
      if (c != null) {
        inputs.put(Signatures.C, contexts(c, n));
      }
      return call(Signatures.SAMPLE, inputs, Signatures.X);
    }
    int size = spec.inputShape().size();
    float[] out = SampleChunks.output(n, spec.inputShape());
    int width = c == null ? 0 : c.length / n;
    for (int first = 0; first < n; first += sampleRowsPerCall) {
      int rows = Math.min(sampleRowsPerCall, n - first);
      Map<String, Tensor> inputs = new java.util.HashMap<>();
      inputs.put(Signatures.N, TInt32.scalarOf(rows));
      inputs.put(Signatures.TEMPERATURE, TFloat32.scalarOf((float) temperature));
      inputs.put(Signatures.SEED, TInt64.scalarOf(seed));
      inputs.put(Signatures.FIRST_ROW, TInt64.scalarOf(first));
      if (c != null) {
        inputs.put(Signatures.C, contexts(java.util.Arrays.copyOfRange(c, first * width, (first + rows) * width),
            rows));
      }
      float[] chunk = call(Signatures.SAMPLE_ROWS, inputs, Signatures.X);
      System.arraycopy(chunk, 0, out, first * size, chunk.length);
    }
    return out;
  }

  private static void checkSampling(int n, double temperature) {
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    Preconditions.checkArgument(temperature > 0 && Double.isFinite(temperature) && (float) temperature > 0,
        "temperature must be positive and finite, but was %s", temperature);
  }

  // ---- Conditional flows: the same, each example (or sample) with its context. ----

  /** Whether the flow declares a context: then every method takes the contexts {@code c}. */
  public boolean isConditional() {
    return spec.context().isConditional();
  }

  /**
   * {@code log p(x | c)} in nats, one per example, for a conditional flow (otherwise as {@link #logProb(float[],
   * int)}).
   *
   * @param x {@code n} examples, row-major, in data units
   * @param c {@code n} contexts, row-major {@code [n, w]} with {@code w = spec().context().inputWidth()}: the
   *     features, or the class index as a number
   * @param n the number of examples
   * @return {@code float[n]}
   */
  public float[] logProb(float[] x, float[] c, int n) {
    requireConditional("logProb(x, n)");
    return call(Signatures.LOG_PROB, Map.of(Signatures.X, input(x, n), Signatures.C, contexts(c, n)),
        Signatures.LOG_PROB_OUTPUT);
  }

  /** Bits per dimension given the contexts: {@code -logProb(x, c) / (D·ln 2)}; arguments as {@link #logProb(float[], float[], int)}. */
  public float[] bitsPerDim(float[] x, float[] c, int n) {
    requireConditional("bitsPerDim(x, n)");
    return call(Signatures.LOG_PROB, Map.of(Signatures.X, input(x, n), Signatures.C, contexts(c, n)),
        Signatures.BITS_PER_DIM);
  }

  /**
   * The importance-weighted bound on {@code log P(x | c)}, as
   * {@link #logProbImportanceWeighted(float[], int, ImportanceSamples)}.
   */
  public float[] logProbImportanceWeighted(float[] x, float[] c, int n, ImportanceSamples samples) {
    requireConditional("logProbImportanceWeighted(x, n, samples)");
    Preconditions.checkNotNull(c, "c");
    Preconditions.checkNotNull(samples, "samples");
    return importanceWeighted(x, c, n, samples);
  }


  /** The latents of {@code n} examples given their contexts; see {@link #encode(float[], int)}. */
  public float[] encode(float[] x, float[] c, int n) {
    requireConditional("encode(x, n)");
    return call(Signatures.ENCODE, Map.of(Signatures.X, input(x, n), Signatures.C, contexts(c, n)), Signatures.Z);
  }

  /** Data from latents given the contexts, the inverse of {@link #encode(float[], float[], int)}. */
  public float[] decode(float[] z, float[] c, int n) {
    requireConditional("decode(z, n)");
    return call(Signatures.DECODE, Map.of(Signatures.Z, latents(z, n), Signatures.C, contexts(c, n)), Signatures.X);
  }

  /**
   * {@code n} samples of a conditional flow, row i drawn from {@code p(x | c_i)}; the same seed and contexts give
   * the same samples, as {@code Trainer.sample(n, c, temperature, seed)}.
   *
   * @param c {@code n} contexts, row-major {@code [n, w]} (repeat one context n times for n samples of it)
   */
  public float[] sample(int n, float[] c, double temperature, long seed) {
    requireConditional("sample(n, temperature, seed)");
    checkSampling(n, temperature);
    Preconditions.checkNotNull(c, "c");
    contexts(c, n).close(); // checks every context before the first chunk
    return sampleInChunks(n, c, temperature, seed);
  }


  private void requireUnconditional(String instead) {
    if (isConditional()) {
      throw new IllegalArgumentException("this model is conditional (" + spec.context() + "): pass the contexts, "
          + "with " + instead);
    }
  }

  private void requireConditional(String instead) {
    if (!isConditional()) {
      throw new IllegalArgumentException("this model declares no context: call " + instead + " without contexts");
    }
  }

  /**
   * The contexts as a {@code [n, w]} tensor, once checked as the graph would check them (one row per example,
   * finite, class indices in range), so the error names the offending example.
   */
  private TFloat32 contexts(float[] c, int n) {
    int width = spec.context().inputWidth();
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    Preconditions.checkArgument((long) n * width == c.length,
        "expected %s contexts of %s values (%s floats), but got %s floats", n, width, (long) n * width, c.length);
    int classes = spec.context() instanceof ClassContext classContext ? classContext.classes() : 0;
    for (int i = 0; i < c.length; i++) {
      if (!Float.isFinite(c[i])) {
        throw new IllegalArgumentException(InputChecks.CONTEXT_FINITE.replace("holds NaN or Inf", "c[" + i
            + "] (example " + i / width + ") is " + c[i]));
      }
      if (classes > 0 && (c[i] != Math.rint(c[i]) || c[i] < 0 || c[i] >= classes)) {
        throw new IllegalArgumentException(InputChecks.classRange(classes) + ", but c[" + i + "] (example "
            + i / width + ") is " + c[i]);
      }
    }
    return HostTensors.float32(c, n, width);
  }

  private float[] call(String signature, Map<String, Tensor> inputs, String output) {
    try (Result result = callChecked(signature, inputs)) {
      double[] values = HostTensors.toDoubles(result.get(output).orElseThrow(
          () -> new IllegalStateException("signature " + signature + " has no output " + output)));
      float[] out = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = (float) values[i];
      }
      return out;
    } finally {
      inputs.values().forEach(Tensor::close);
    }
  }

  /**
   * Runs a signature; a failed input check inside the graph (see {@link InputChecks}) comes back as an
   * {@link IllegalArgumentException} carrying just its message.
   */
  private Result callChecked(String signature, Map<String, Tensor> inputs) {
    try {
      return bundle.function(signature).call(inputs);
    } catch (TFInvalidArgumentException e) {
      String message = String.valueOf(e.getMessage());
      int start = message.indexOf(InputChecks.PREFIX);
      if (start < 0) {
        throw e;
      }
      String check = message.substring(start + InputChecks.PREFIX.length()).lines().findFirst().orElse("");
      int end = check.indexOf(']');
      throw new IllegalArgumentException((end < 0 ? check : check.substring(0, end)) + " (checked by the "
          + signature + " signature)", e);
    }
  }

  /**
   * The examples as a tensor, once checked as the graph would check them (finite, at least one, pixel values in
   * [0, 255] for dequantized models), so the error names the offending example.
   */
  private TFloat32 input(float[] x, int n) {
    Shape shape = spec.inputShape();
    Preconditions.checkArgument(n > 0, "n must be positive (at least one example), but was %s", n);
    Preconditions.checkArgument((long) n * shape.size() == x.length,
        "expected %s examples of shape %s (%s floats), but got %s floats", n, shape, (long) n * shape.size(),
        x.length);
    boolean pixels = !(spec.dequantization() instanceof NoDequantization);
    for (int i = 0; i < x.length; i++) {
      if (!Float.isFinite(x[i])) {
        throw new IllegalArgumentException(InputChecks.FINITE.replace("holds NaN or Inf", "x[" + i + "] (example "
            + i / shape.size() + ") is " + x[i]));
      }
      if (pixels && (x[i] < 0 || x[i] > InputChecks.MAX_PIXEL)) {
        throw new IllegalArgumentException(InputChecks.pixelRange() + ", but x[" + i + "] (example "
            + i / shape.size() + ") is " + x[i]);
      }
    }
    long[] dims = new long[shape.rank() + 1];
    dims[0] = n;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return HostTensors.float32(x, dims);
  }

  /** Frees the native model. */
  @Override
  public void close() {
    bundle.close();
  }
}
