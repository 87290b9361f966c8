package org.flows4j.tf.training;

import com.google.common.base.Preconditions;
import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Shape;
import org.flows4j.tf.CompiledFlow;
import org.flows4j.tf.FlowCompiler;
import org.flows4j.tf.HostTensors;
import org.flows4j.tf.layers.Tensors;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Trains a flow by maximum likelihood in float32, entirely in one TensorFlow graph: the loss is the mean negative
 * log-likelihood per example in nats, minimised by Adam. Owns its graph and session; close it.
 *
 * <p>Data is passed as row-major floats, {@code n} examples of the spec's input shape. The first training step
 * runs the data-dependent initialisation (ActNorm) on its batch if the flow is not yet initialised.
 */
public final class Trainer implements AutoCloseable {
  private final FlowSpec spec;
  private final Graph graph;
  private final Session session;
  private final CompiledFlow<TFloat32> flow;
  private final Placeholder<TFloat32> data;
  private final Operand<TFloat32> meanNll;
  private final Op dataInit;
  private final Operand<TBool> initialized;
  private final Op update;
  private final Placeholder<TInt32> sampleCount;
  private final Placeholder<TFloat32> sampleTemperature;
  private final Placeholder<TInt64> sampleSeed;
  private final Operand<TFloat32> samples;
  private long steps;

  private Trainer(FlowSpec spec, TrainingOptions options) {
    this.spec = spec;
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      this.flow = FlowCompiler.compile(tf, spec, options.seed());
      this.data = tf.withName("data").placeholder(TFloat32.class,
          Placeholder.shape(org.tensorflow.ndarray.Shape.of(batchDims(spec.inputShape()))));
      this.meanNll = tf.withName("mean_nll").math.neg(tf.math.mean(flow.logProb(tf, data), tf.constant(0)));
      this.dataInit = flow.dataInitialization(tf, data);
      this.initialized = flow.initialized(tf);
      List<Operand<TFloat32>> gradients = new ArrayList<>();
      for (Operand<?> g : tf.gradients(meanNll, flow.trainableVariables())) {
        @SuppressWarnings("unchecked")
        Operand<TFloat32> gradient = (Operand<TFloat32>) g;
        gradients.add(gradient);
      }
      Adam<TFloat32> adam = new Adam<>(tf, TFloat32.class, options.beta1(), options.beta2(), options.epsilon());
      this.update = adam.minimize(
          tf, flow.trainableVariables(), gradients, Tensors.scalar(tf, options.learningRate(), TFloat32.class));
      this.sampleCount = tf.withName("sample_count").placeholder(TInt32.class);
      this.sampleTemperature = tf.withName("sample_temperature").placeholder(TFloat32.class);
      this.sampleSeed = tf.withName("sample_seed").placeholder(TInt64.class);
      this.samples = flow.sample(tf, sampleCount, sampleTemperature, sampleSeed);
      this.session = new Session(graph);
      session.initialize();
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  public static Trainer create(FlowSpec spec, TrainingOptions options) {
    return new Trainer(spec, options);
  }

  public FlowSpec spec() {
    return spec;
  }

  public long steps() {
    return steps;
  }

  /** One Adam step on {@code n} examples; returns the batch's mean NLL (nats) before the update. */
  public double step(float[] batch, int n) {
    try (TFloat32 x = tensor(batch, n)) {
      if (!isInitialized()) {
        session.runner().feed(data, x).addTarget(dataInit).run().close();
      }
      try (Result result = session.runner().feed(data, x).fetch(meanNll).addTarget(update).run()) {
        steps++;
        return HostTensors.toDouble(result.get(0));
      }
    }
  }

  /** Mean NLL in nats per example over {@code n} examples, evaluated in chunks of at most 1024. */
  public double meanNegativeLogLikelihood(float[] values, int n) {
    int perExample = spec.inputShape().size();
    double total = 0;
    for (int start = 0; start < n; start += 1024) {
      int count = Math.min(1024, n - start);
      float[] chunk = new float[count * perExample];
      System.arraycopy(values, start * perExample, chunk, 0, chunk.length);
      try (TFloat32 x = tensor(chunk, count);
          Result result = session.runner().feed(data, x).fetch(meanNll).run()) {
        total += HostTensors.toDouble(result.get(0)) * count;
      }
    }
    return total / n;
  }

  /** {@code n} samples at the given temperature, row-major; the same seed gives the same samples. */
  public float[] sample(int n, double temperature, long seed) {
    Preconditions.checkArgument(n > 0, "n must be positive, but was %s", n);
    Preconditions.checkArgument(temperature > 0, "temperature must be positive, but was %s", temperature);
    try (TInt32 count = TInt32.scalarOf(n);
        TFloat32 t = TFloat32.scalarOf((float) temperature);
        TInt64 s = HostTensors.seed(seed);
        Result result = session.runner().feed(sampleCount, count).feed(sampleTemperature, t)
            .feed(sampleSeed, s).fetch(samples).run()) {
      double[] values = HostTensors.toDoubles(result.get(0));
      float[] out = new float[values.length];
      for (int i = 0; i < values.length; i++) {
        out[i] = (float) values[i];
      }
      return out;
    }
  }

  private boolean isInitialized() {
    try (Result result = session.runner().fetch(initialized).run()) {
      return HostTensors.toDouble(result.get(0)) == 1.0;
    }
  }

  private TFloat32 tensor(float[] values, int n) {
    Shape shape = spec.inputShape();
    Preconditions.checkArgument(values.length == n * shape.size(),
        "expected %s examples of shape %s (%s floats), but got %s floats", n, shape, n * shape.size(),
        values.length);
    for (int i = 0; i < values.length; i++) {
      if (!Float.isFinite(values[i])) {
        throw new IllegalArgumentException("data contains a non-finite value (" + values[i] + ") at example "
            + i / shape.size() + ", position " + i % shape.size() + "; clean or filter the data first");
      }
    }
    long[] dims = batchDims(shape);
    dims[0] = n;
    return HostTensors.float32(values, dims);
  }

  private static long[] batchDims(Shape shape) {
    long[] dims = new long[shape.rank() + 1];
    dims[0] = -1;
    for (int i = 0; i < shape.rank(); i++) {
      dims[i + 1] = shape.dim(i);
    }
    return dims;
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
