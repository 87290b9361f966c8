package org.flows4j.tf.gradients;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ExecutionEnvironment;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.op.Ops;
import org.tensorflow.types.family.TType;

/**
 * Per-instance custom gradients in graph mode, the equivalent of Python's {@code tf.custom_gradient}.
 *
 * <p>{@link #identityWithGradient} adds an {@code IdentityN} node over its inputs and tags it with the private
 * string attribute {@value #ATTRIBUTE}, whose value is a key unique to this JVM run. The Java function is kept in a
 * static map under that key. {@code IdentityN} has no C++ gradient; {@link GradientRegistry} registers one that
 * reads the attribute and calls the function, and passes the upstream gradients straight through (the identity
 * gradient) for {@code IdentityN} nodes without the attribute.
 *
 * <p><b>Persistence.</b> The attribute survives {@code toGraphDef}, SavedModel export and reload, but the function
 * lives only in this JVM and only for the graph it was built in. Differentiating a reloaded copy (another JVM, or
 * another {@link Graph} of this JVM) finds the key unknown or bound to another graph, logs a warning once per key,
 * and falls back to the identity gradient. Forward values are unaffected. Rebuild such nodes (call this method
 * again) if the reloaded graph must be trained.
 *
 * <p><b>Lifetime.</b> Functions are held until their graph is closed; closed graphs are purged lazily when new
 * nodes are created, or at once with {@link #release(Graph)}.
 */
public final class CustomGradient {

  /** The private attribute carrying the key of the gradient function. */
  public static final String ATTRIBUTE = "_flows4j_gradient";

  private static final System.Logger LOG = System.getLogger(CustomGradient.class.getName());
  private static final String RUN_ID = UUID.randomUUID().toString();
  private static final AtomicLong COUNTER = new AtomicLong();
  private static final int PURGE_EVERY = 256;
  private static final Map<String, Entry> FUNCTIONS = new ConcurrentHashMap<>();
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean PURGING = new AtomicBoolean();

  private record Entry(CustomGradientFunction function, WeakReference<Graph> graph, String opName) {}

  private CustomGradient() {}

  /**
   * Returns the outputs of a new {@code IdentityN} node over {@code inputs} whose gradient is {@code fn}: the
   * forward values are the inputs unchanged, the gradient of each input is what {@code fn} returns.
   *
   * <p>The value read by the loss and the gradient given to the optimizer may differ. To make the loss read an
   * estimate while the gradient is that of a surrogate, pass {@code stopGradient(estimate)} and the surrogate as
   * inputs, read output 0, and return {@code [zeros, upstream[0]]} from {@code fn} (see
   * {@link #valueWithGradientOf}).
   *
   * @param tf ops of a {@link Graph} (eager mode is not supported)
   * @param inputs at least one operand, of any dtypes
   * @param fn the gradient, see {@link CustomGradientFunction} for its rules
   * @return one output per input, in order
   */
  public static List<Output<?>> identityWithGradient(
      Ops tf, List<? extends Operand<?>> inputs, CustomGradientFunction fn) {
    Objects.requireNonNull(fn, "fn");
    if (inputs.isEmpty()) {
      throw new IllegalArgumentException("identityWithGradient needs at least one input");
    }
    ExecutionEnvironment env = tf.scope().env();
    if (!(env instanceof Graph graph)) {
      throw new IllegalArgumentException("custom gradients need a Graph, not " + env.environmentType());
    }
    GradientRegistry.ensureRegistered();
    purgeClosedGraphs();
    Output<?>[] in = new Output<?>[inputs.size()];
    for (int i = 0; i < in.length; i++) {
      in[i] = inputs.get(i).asOutput();
    }
    String key = RUN_ID + "/" + COUNTER.incrementAndGet();
    GraphOperation op =
        (GraphOperation)
            tf.scope()
                .opBuilder("IdentityN", "CustomGradient")
                .addInputList(in)
                .setAttr(ATTRIBUTE, key)
                .build();
    FUNCTIONS.put(key, new Entry(fn, new WeakReference<>(graph), op.name()));
    List<Output<?>> outputs = new ArrayList<>(in.length);
    for (int i = 0; i < in.length; i++) {
      outputs.add(op.output(i));
    }
    return List.copyOf(outputs);
  }

  /**
   * The value of {@code value} with the gradient of {@code surrogate}: the result reads {@code value} (behind a
   * stop-gradient) and back-propagates its upstream gradient into {@code surrogate}, which must have the same shape
   * and dtype. Typical use: a stochastic log-det estimate as the value, a surrogate whose gradient is the unbiased
   * gradient estimator as the gradient.
   */
  @SuppressWarnings("unchecked")
  public static <T extends TType> Operand<T> valueWithGradientOf(Ops tf, Operand<T> value, Operand<T> surrogate) {
    List<Output<?>> out =
        identityWithGradient(
            tf,
            List.of(tf.stopGradient(value), surrogate),
            (g, op, upstream) -> List.of(g.zerosLike(op.input(0)), upstream.get(0)));
    return (Operand<T>) out.get(0);
  }

  /** Forgets the gradient functions of nodes built in {@code graph}; returns how many were dropped. */
  public static int release(Graph graph) {
    int before = FUNCTIONS.size();
    FUNCTIONS.values().removeIf(e -> e.graph().get() == graph);
    return before - FUNCTIONS.size();
  }

  /** Number of gradient functions currently held (for tests and leak checks). */
  static int liveFunctionCount() {
    return FUNCTIONS.size();
  }

  /**
   * The gradient registered for {@code IdentityN}: the node's own function if it carries a key this JVM knows for
   * this graph, the identity gradient otherwise.
   */
  static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> upstream) {
    String key = keyOf(op);
    if (key != null) {
      Entry entry = FUNCTIONS.get(key);
      if (entry != null && entry.graph().get() == op.env()) {
        return entry.function().gradients(tf, op, upstream);
      }
      if (WARNED.add(key)) {
        LOG.log(
            System.Logger.Level.WARNING,
            "IdentityN ''{0}'' carries custom gradient key {1}, unknown to this JVM or bound to another graph "
                + "(reloaded model?): using the identity gradient",
            op.name(),
            key);
      }
    }
    return new ArrayList<>(upstream);
  }

  private static @Nullable String keyOf(GraphOperation op) {
    try {
      return op.attributes().getAttrString(ATTRIBUTE);
    } catch (TensorFlowException | IllegalArgumentException e) {
      return null; // plain IdentityN: no such attribute
    }
  }

  /**
   * Drops entries whose graph was closed or collected. Never runs inside a gradient function: looking an op up
   * takes the graph lock, which the gradient builder holds.
   */
  private static void purgeClosedGraphs() {
    if (COUNTER.get() % PURGE_EVERY != 0 || GradientRegistry.insideGradientFunction()) {
      return;
    }
    if (!PURGING.compareAndSet(false, true)) {
      return;
    }
    try {
      FUNCTIONS.values().removeIf(CustomGradient::isStale);
    } finally {
      PURGING.set(false);
    }
  }

  private static boolean isStale(Entry entry) {
    Graph graph = entry.graph().get();
    if (graph == null) {
      return true;
    }
    try {
      graph.operation(entry.opName());
      return false;
    } catch (IllegalStateException closed) {
      return true;
    }
  }
}
