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
import org.flows4j.tf.HostTensors;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * A flow exported by flows4j, loaded back from its SavedModel directory: log-probabilities, sampling, encoding
 * and decoding through the exported signatures. Arrays are row-major float32. Close it to free the native model.
 */
public final class FlowModel implements AutoCloseable {
  private final SavedModelBundle bundle;
  private final FlowSpec spec;

  private FlowModel(SavedModelBundle bundle, FlowSpec spec) {
    this.bundle = bundle;
    this.spec = spec;
  }

  /** Loads a model written by {@code Trainer.exportSavedModel}; clear errors for a missing or foreign folder. */
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
    }
    // Soft placement: a model trained with in-graph replicas (--devices N) keeps their device pins in its graph;
    // without it, loading on a machine with fewer devices fails.
    return new FlowModel(SavedModelBundle.loader(directory.toString()).withTags(SavedModelBundle.DEFAULT_TAG)
        .withConfigProto(ConfigProto.newBuilder().setAllowSoftPlacement(true).build()).load(), spec);
  }

  public FlowSpec spec() {
    return spec;
  }

  /** {@code log p(x)} in nats per example; {@code x} in data units (8-bit pixel values for images). */
  public float[] logProb(float[] x, int n) {
    return call(Signatures.LOG_PROB, Map.of(Signatures.X, input(x, n)), Signatures.LOG_PROB_OUTPUT);
  }

  /** Bits per dimension per example. */
  public float[] bitsPerDim(float[] x, int n) {
    return call(Signatures.LOG_PROB, Map.of(Signatures.X, input(x, n)), Signatures.BITS_PER_DIM);
  }

  /**
   * The importance-weighted bound on {@code log P(x)} in nats per example, over {@code samples} dequantization
   * draws (the tighter figure for variational dequantization); {@code samples = 1} equals {@link #logProb}. Costs
   * {@code samples} passes over the batch.
   */
  public float[] logProbImportanceWeighted(float[] x, int n, int samples) {
    Preconditions.checkArgument(samples >= 1, "samples must be at least 1, but was %s", samples);
    return call(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED,
        Map.of(Signatures.X, input(x, n), Signatures.SAMPLES, TInt32.scalarOf(samples)), Signatures.LOG_PROB_OUTPUT);
  }

  /** Latents {@code [n, D]}. */
  public float[] encode(float[] x, int n) {
    return call(Signatures.ENCODE, Map.of(Signatures.X, input(x, n)), Signatures.Z);
  }

  /** Data from latents {@code [n, D]}. */
  public float[] decode(float[] z, int n) {
    int d = spec.inputShape().size();
    Preconditions.checkArgument(z.length == n * d, "expected %s latents of size %s, but got %s floats", n, d,
        z.length);
    return call(Signatures.DECODE, Map.of(Signatures.Z, HostTensors.float32(z, n, d)), Signatures.X);
  }

  /** {@code n} samples at {@code temperature}; the same seed gives the same samples. */
  public float[] sample(int n, double temperature, long seed) {
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    return call(Signatures.SAMPLE, Map.of(Signatures.N, TInt32.scalarOf(n),
        Signatures.TEMPERATURE, TFloat32.scalarOf((float) temperature), Signatures.SEED, TInt64.scalarOf(seed)),
        Signatures.X);
  }

  private float[] call(String signature, Map<String, Tensor> inputs, String output) {
    try (Result result = bundle.function(signature).call(inputs)) {
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

  private TFloat32 input(float[] x, int n) {
    Shape shape = spec.inputShape();
    Preconditions.checkArgument(x.length == n * shape.size(),
        "expected %s examples of shape %s (%s floats), but got %s floats", n, shape, n * shape.size(), x.length);
    long[] dims = new long[shape.rank() + 1];
    dims[0] = n;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return HostTensors.float32(x, dims);
  }

  @Override
  public void close() {
    bundle.close();
  }
}
