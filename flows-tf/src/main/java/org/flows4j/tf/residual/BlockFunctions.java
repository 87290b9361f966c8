package org.flows4j.tf.residual;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import org.flows4j.api.Shape;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.tf.Transformed;
import org.flows4j.tf.gradients.CustomGradient;
import org.flows4j.tf.gradients.SafeGradients;
import org.flows4j.tf.layers.Tensors;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.ExecutionEnvironment;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NameAttrList;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TFloating;
import org.tensorflow.types.family.TType;

/**
 * Residual blocks as calls of one TensorFlow function per distinct block: the main graph holds about twenty ops per
 * block whatever the block's size, and Grappler and the runtime prepare each function body once, not once per block.
 *
 * <p>For each distinct (spec, example shape, dtype, estimator, input shapes) in a graph, two {@link ConcreteFunction}s
 * are traced once and added to the graph's function library:
 * <ul>
 *   <li><b>forward</b>{@code (x, weights…, probeSeed, countSeed) → (y, logDet)}: the whole block, the log-det
 *       estimator's series loop included. The block's raw parameters (each map's W, b and power-iteration vectors
 *       u, v, and LipSwish's raw slopes) and its two stateless seeds are arguments, and the body normalises the
 *       weights: the spectral normalisation and its gradient are then in the bodies once per kind, not in the main
 *       graph once per block (about 290 of a toy block's 530 model ops were that normalisation's gradient),
 *       so every block of a kind calls the same body with its own weights and random draws.</li>
 *   <li><b>backward</b>{@code (x, weights…, seeds, [w,] dy, dLogDet) → (dx, dweights…)}: rebuilds the block's
 *       forward pass from x inside the body and differentiates {@code Σ dy·y + Σ dLogDet·logDet} there. With the
 *       Neumann gradient the forward call also returns the series' Neumann vector
 *       {@code w = Σ_k (-1)^k vᵀJ^k / P(N ≥ k)}, and the backward body differentiates the surrogate
 *       {@code Σ_i w_i·(J v)_i} with that w: one branch pass and one Jacobian–vector product, no second series loop.
 *       With backpropagation through a truncated series the body rebuilds the unrolled series and differentiates
 *       it. This is per-block rematerialisation: between the forward and the backward pass the training step keeps
 *       only each block's input (and w), never its activations or its series' intermediates.</li>
 * </ul>
 *
 * <p>The call's gradient must be the backward call (TensorFlow's own gradient of a call differentiates the body,
 * loops included, which has no gradient), so the call's outputs pass through a {@link CustomGradient} node over
 * {@code (stop(y), stop(logDet), x, parameters…)} whose gradient is the backward call. That call is built inside the
 * gradient builder, which holds the graph's lock: the backward function is attached to the graph when the forward
 * call is built, and the gradient op names it by an attribute rather than attaching it again (which would take the
 * lock and deadlock). Both calls skip TensorFlow's shape inference of the body at each call site (15–27 ms per
 * backward call of a toy block).
 *
 * <p>Each kind's functions are named with the kind's index in the graph ({@code residual_block_3},
 * {@code residual_block_grad_3}). TensorFlow appends a hash of the body to a function's name, and attaching a second
 * function of an existing name is a no-op; the hash alone did not tell apart the conv blocks of two scales of the
 * image preset (14×14×4 and 7×7×16), whose bodies differ only in shape constants, so one scale's block ran the
 * other's backward body ("Incompatible shapes: [32,7,7,16] vs. [4]").
 *
 * <p>The traced bodies leave x's batch dimension unknown, so one body serves every batch size. Traced per static
 * batch, a body built for a batch of 3 was run on a batch of 9 ("Incompatible shapes: [9,8] vs. [3,8]" in the
 * conformance tests, whose brute-force Jacobian calls the block on d copies of the batch).
 *
 * <p>The recomputation costs one more forward pass and series loop per block and step; what it buys is a first step
 * that no longer grows with depth and a peak memory of one block's activations.
 */
final class BlockFunctions {
  private static final Map<Graph, Map<Key, Functions>> BY_GRAPH = Collections.synchronizedMap(new WeakHashMap<>());

  /** What makes two blocks share a function body. */
  private record Key(ResidualBlock spec, Shape shape, Class<?> type, LogDetEstimator estimator, String inputShapes) {}

  private record Functions(ConcreteFunction forward, ConcreteFunction backward) {}

  /** The forward body's outputs, named so that their sorted order (the function's output order) is this order. */
  private static final List<String> OUTPUTS = List.of("o0_y", "o1_log_det", "o2_neumann");

  private BlockFunctions() {}

  /** Whether the graph calls any block function. */
  static boolean calledIn(Graph graph) {
    synchronized (BY_GRAPH) {
      Map<Key, Functions> kinds = BY_GRAPH.get(graph);
      return kinds != null && !kinds.isEmpty();
    }
  }

  /** The block's {@code (y, logDet)} as a call of its kind's function, with a gradient by recomputation. */
  @SuppressWarnings("unchecked")
  static <T extends TFloating> Transformed<T> forwardAndLogDet(Ops tf, ResidualLayer<T> layer, Operand<T> x,
      List<Operand<T>> weights, Operand<TInt64> probeSeed, Operand<TInt64> countSeed, LogDetEstimator estimator) {
    ExecutionEnvironment env = tf.scope().env();
    if (!(env instanceof Graph graph)) { // eager: nothing to share, build the block in place
      return layer.forwardAndLogDet(tf, x, layer.branchWeightsFrom(tf, weights), probeSeed, countSeed, estimator);
    }
    List<Operand<?>> arguments = new ArrayList<>();
    arguments.add(x);
    arguments.addAll(weights);
    arguments.add(probeSeed);
    arguments.add(countSeed);
    List<org.tensorflow.ndarray.Shape> shapes = new ArrayList<>();
    StringBuilder signature = new StringBuilder();
    for (int i = 0; i < arguments.size(); i++) {
      org.tensorflow.ndarray.Shape shape = arguments.get(i).shape();
      // One body for every batch size: x's batch dimension is left unknown.
      shape = i == 0 && !shape.isUnknown() && shape.numDimensions() > 0 ? anyBatch(shape) : shape;
      shapes.add(shape);
      signature.append(shape).append(';');
    }
    Key key = new Key(layer.spec(), layer.exampleShape(), x.type(), estimator, signature.toString());
    Functions functions;
    synchronized (BY_GRAPH) {
      Map<Key, Functions> kinds = BY_GRAPH.computeIfAbsent(graph, g -> new HashMap<>());
      functions = kinds.get(key);
      if (functions == null) {
        functions = trace(layer, arguments, shapes, estimator, kinds.size());
        kinds.put(key, functions);
        // Attached once per kind, now, outside the gradient builder (see the class comment).
        graph.attachFunction(functions.forward());
        graph.attachFunction(functions.backward());
      }
    }

    List<Output<?>> argumentOutputs = new ArrayList<>();
    List<DataType> argumentTypes = new ArrayList<>();
    for (Operand<?> argument : arguments) {
      argumentOutputs.add(argument.asOutput());
      argumentTypes.add(argument.asOutput().dataType());
    }
    DataType valueType = x.asOutput().dataType();
    // With the Neumann gradient the forward call also returns the series' Neumann vector, which the backward call
    // takes instead of running the series loop again.
    boolean neumann = ResidualLayer.usesNeumannGradient(estimator);
    GraphOperation forwardCall = call(tf, "ResidualBlock", functions.forward().getDefinedName(), argumentOutputs,
        argumentTypes, Collections.nCopies(neumann ? 3 : 2, valueType), new byte[0]);
    Operand<T> y = (Operand<T>) (Operand<?>) forwardCall.output(0);
    Operand<T> logDet = (Operand<T>) (Operand<?>) forwardCall.output(1);
    @Nullable Operand<?> neumannVector = neumann ? forwardCall.output(2) : null;

    List<Operand<?>> routed = new ArrayList<>();
    routed.add(tf.stopGradient(y));
    routed.add(tf.stopGradient(logDet));
    routed.add(x);
    routed.addAll(weights);
    String backwardName = functions.backward().getDefinedName();
    List<DataType> inputTypes = new ArrayList<>(argumentTypes);
    if (neumann) {
      inputTypes.add(valueType);
    }
    inputTypes.add(valueType);
    inputTypes.add(valueType);
    List<DataType> gradientTypes = inputTypes.subList(0, 1 + weights.size());
    List<Output<?>> results = CustomGradient.identityWithGradient(tf, routed, (g, op, upstream) -> {
      List<Output<?>> in = new ArrayList<>();
      for (int i = 2; i < op.numInputs(); i++) {
        in.add(op.input(i));
      }
      in.add(probeSeed.asOutput());
      in.add(countSeed.asOutput());
      if (neumannVector != null) {
        in.add(neumannVector.asOutput());
      }
      in.add(upstream.get(0));
      in.add(upstream.get(1));
      GraphOperation call = call(g, "ResidualBlockGrad", backwardName, in, inputTypes, gradientTypes,
          UNOPTIMIZED_BODY);
      List<Operand<?>> gradients = new ArrayList<>();
      gradients.add(g.zerosLike(op.input(0)));
      gradients.add(g.zerosLike(op.input(1)));
      for (int i = 0; i < call.numOutputs(); i++) {
        gradients.add(call.output(i));
      }
      return gradients;
    });
    // Calls lose static shapes; the next layers may need them (reshape has a gradient, unlike EnsureShape).
    org.tensorflow.ndarray.Shape xShape = x.shape();
    return new Transformed<>(withShape(tf, (Operand<T>) results.get(0), xShape),
        withShape(tf, (Operand<T>) results.get(1),
            xShape.isUnknown() ? xShape : org.tensorflow.ndarray.Shape.of(xShape.get(0))));
  }

  /**
   * The session options a backward call instantiates its body with: Grappler off. A call's body is optimised once,
   * when the first step instantiates it; for the backward body that cost more than it saved. Measured on an idle
   * machine, Grappler on → off for the backward bodies only, alternating runs: the first step of the 100-block toy
   * model backpropagating through a 5-term series 4.51, 4.76, 4.33 → 3.60, 3.85, 3.93 s, its later steps 1.72, 1.70,
   * 1.51 → 1.65, 1.76, 1.51 s/step; the Neumann toy model's first step 3.90, 3.62 → 3.29, 3.44 s, later steps 0.91,
   * 0.93 → 1.00, 0.97 s/step; the image layout's first step 5.37, 5.21 → 3.79, 3.80 s, later steps 1.29, 1.17 →
   * 1.28, 1.22 s/step; one conv block of width 512 (Neumann, n = 2 / 20), two rounds: 0.721 / 1.802 and 0.640 /
   * 1.832 s/step on, 0.735 / 1.938 and 0.810 / 1.631 off, within this machine's run-to-run spread. The forward
   * bodies keep Grappler.
   */
  private static final byte[] UNOPTIMIZED_BODY = org.tensorflow.proto.ConfigProto.newBuilder()
      .setGraphOptions(org.tensorflow.proto.GraphOptions.newBuilder()
          .setRewriteOptions(org.tensorflow.proto.RewriterConfig.newBuilder().setDisableMetaOptimizer(true)))
      .build().toByteArray();

  /**
   * A call of the named function of the graph's library, with TensorFlow's shape inference of the call turned off
   * ({@code _disable_call_shape_inference}). Left on, adding the call op instantiates the function and infers the
   * shapes of its whole body: 15–27 ms per backward call of a toy block, most of the 100-block model's gradient
   * construction. The outputs' shapes are restored where they are needed ({@link #withShape}). {@code config} is the
   * serialised {@code ConfigProto} the body is instantiated with (empty: TensorFlow's defaults).
   */
  private static GraphOperation call(Ops tf, String opName, String function, List<Output<?>> inputs,
      List<DataType> inputTypes, List<DataType> outputTypes, byte[] config) {
    return (GraphOperation) tf.scope()
        .opBuilder("PartitionedCall", opName)
        .addInputList(inputs.toArray(new Output<?>[0]))
        .setAttr("Tin", inputTypes.toArray(new DataType[0]))
        .setAttr("Tout", outputTypes.toArray(new DataType[0]))
        .setAttr("f", AttrValue.newBuilder().setFunc(NameAttrList.newBuilder().setName(function)).build())
        .setAttr("_disable_call_shape_inference", true)
        .setAttr("config_proto", config)
        .build();
  }

  /** Traces the forward and backward bodies of one block kind. */
  private static <T extends TFloating> Functions trace(ResidualLayer<T> layer, List<Operand<?>> arguments,
      List<org.tensorflow.ndarray.Shape> shapes, LogDetEstimator estimator, int kind) {
    List<Class<? extends TType>> types = new ArrayList<>();
    for (Operand<?> argument : arguments) {
      types.add(argument.type());
    }
    int weightCount = arguments.size() - 3;
    boolean neumann = ResidualLayer.usesNeumannGradient(estimator);
    ConcreteFunction forward = ConcreteFunction.create(f -> {
      BlockArguments<T> in = BlockArguments.placeholders(f, types, shapes, weightCount);
      Signature.Builder signature = in.signature("residual_block_" + kind);
      if (neumann) {
        ResidualLayer.NeumannForward<T> result = layer.neumannForward(f, in.x(),
            layer.branchWeightsFrom(f, in.weights()), in.probeSeed(), in.countSeed(), estimator);
        return signature.output(OUTPUTS.get(0), result.y()).output(OUTPUTS.get(1), result.logDet())
            .output(OUTPUTS.get(2), result.neumannVector()).build();
      }
      Transformed<T> result = layer.forwardAndLogDet(f, in.x(), layer.branchWeightsFrom(f, in.weights()),
          in.probeSeed(), in.countSeed(), estimator);
      return signature.output(OUTPUTS.get(0), result.value()).output(OUTPUTS.get(1), result.logDet()).build();
    });
    ConcreteFunction backward = ConcreteFunction.create(f -> {
      // Arguments: the forward's, then (Neumann gradient) the Neumann vector, then dy and dLogDet.
      List<Class<? extends TType>> backwardTypes = new ArrayList<>(types);
      List<org.tensorflow.ndarray.Shape> backwardShapes = new ArrayList<>(shapes);
      if (neumann) {
        backwardTypes.add(types.get(0));
        backwardShapes.add(shapes.get(0));
      }
      backwardTypes.add(types.get(0));
      backwardShapes.add(shapes.get(0));
      backwardTypes.add(types.get(0));
      backwardShapes.add(org.tensorflow.ndarray.Shape.of(shapes.get(0).get(0)));
      BlockArguments<T> in = BlockArguments.placeholders(f, backwardTypes, backwardShapes, weightCount);
      int upstreamAt = backwardTypes.size() - 2;
      @SuppressWarnings("unchecked")
      List<Operand<T>> weights = layer.branchWeightsFrom(f, in.weights());
      Transformed<T> result = neumann
          ? layer.neumannSurrogate(f, in.x(), weights, in.probeSeed(), (Operand<T>) in.all().get(upstreamAt - 1))
          : layer.forwardAndLogDet(f, in.x(), weights, in.probeSeed(), in.countSeed(), estimator);
      @SuppressWarnings("unchecked")
      Operand<T> dy = (Operand<T>) in.all().get(upstreamAt);
      @SuppressWarnings("unchecked")
      Operand<T> dLogDet = (Operand<T>) in.all().get(upstreamAt + 1);
      Operand<T> objective = f.math.add(Tensors.sumAll(f, f.math.mul(result.value(), dy)),
          Tensors.sumAll(f, f.math.mul(result.logDet(), dLogDet)));
      List<Operand<?>> wrt = new ArrayList<>();
      wrt.add(in.x());
      wrt.addAll(in.weights());
      List<Operand<?>> gradients = SafeGradients.gradientsOrZeros(f, objective, wrt);
      Signature.Builder signature = in.signature("residual_block_grad_" + kind);
      for (int i = 0; i < gradients.size(); i++) {
        signature.output(String.format("g%04d", i), gradients.get(i));
      }
      return signature.build();
    });
    keepCalled(forward);
    keepCalled(backward);
    return new Functions(forward, backward);
  }

  /**
   * Sets {@code _noinline} on the function before it is attached anywhere. Without it TensorFlow's graph passes
   * inline every call and optimise the expanded graph, once per block: at 10 toy blocks the time to the first step
   * was 42.9 s without the attribute and 13.8 s with it. TF Java 1.1.0 has no public way to set a function
   * attribute; the C API's {@code TF_FunctionSetAttrValueProto} sets it on the function's native handle.
   */
  private static void keepCalled(ConcreteFunction function) {
    try {
      java.lang.reflect.Method handle = ConcreteFunction.class.getDeclaredMethod("nativeHandle");
      handle.setAccessible(true);
      org.tensorflow.internal.c_api.TF_Function nativeFunction =
          (org.tensorflow.internal.c_api.TF_Function) handle.invoke(function);
      byte[] value = AttrValue.newBuilder().setB(true).build().toByteArray();
      try (org.tensorflow.internal.c_api.TF_Status status = org.tensorflow.internal.c_api.TF_Status.newStatus();
          org.bytedeco.javacpp.BytePointer bytes = new org.bytedeco.javacpp.BytePointer(value)) {
        org.tensorflow.internal.c_api.global.tensorflow.TF_FunctionSetAttrValueProto(
            nativeFunction, "_noinline", bytes, value.length, status);
        status.throwExceptionIfNotOK();
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot mark a residual block's function _noinline", e);
    }
  }

  private static org.tensorflow.ndarray.Shape anyBatch(org.tensorflow.ndarray.Shape shape) {
    long[] dims = shape.asArray();
    dims[0] = org.tensorflow.ndarray.Shape.UNKNOWN_SIZE;
    return org.tensorflow.ndarray.Shape.of(dims);
  }

  /** Restores a static shape lost by the call (at most one unknown dimension; otherwise as it is). */
  private static <T extends TType> Operand<T> withShape(Ops tf, Operand<T> value, org.tensorflow.ndarray.Shape shape) {
    if (shape.isUnknown()) {
      return value;
    }
    long[] dims = shape.asArray();
    int unknown = 0;
    int[] target = new int[dims.length];
    for (int i = 0; i < dims.length; i++) {
      unknown += dims[i] < 0 ? 1 : 0;
      target[i] = (int) Math.max(dims[i], -1);
    }
    return unknown > 1 ? value : tf.reshape(value, tf.constant(target));
  }

  /** Zero-padded, so the functions' argument order is the list order whether names are kept or sorted. */
  static String argumentName(int i) {
    return String.format("a%04d", i);
  }

  /** A function body's placeholders: x, the weights, the two seeds, then any extra arguments. */
  private record BlockArguments<T extends TFloating>(List<Output<?>> all, int weightCount) {
    static <T extends TFloating> BlockArguments<T> placeholders(Ops f, List<Class<? extends TType>> types,
        List<org.tensorflow.ndarray.Shape> shapes, int weightCount) {
      List<Output<?>> all = new ArrayList<>();
      for (int i = 0; i < types.size(); i++) {
        all.add(placeholder(f, types.get(i), shapes.get(i)));
      }
      return new BlockArguments<>(all, weightCount);
    }

    private static <U extends TType> Output<?> placeholder(Ops f, Class<U> type, org.tensorflow.ndarray.Shape shape) {
      return f.placeholder(type, Placeholder.shape(shape)).output();
    }

    @SuppressWarnings("unchecked")
    Operand<T> x() {
      return (Operand<T>) all.get(0);
    }

    @SuppressWarnings("unchecked")
    List<Operand<T>> weights() {
      List<Operand<T>> weights = new ArrayList<>();
      for (int i = 1; i <= weightCount; i++) {
        weights.add((Operand<T>) all.get(i));
      }
      return weights;
    }

    @SuppressWarnings("unchecked")
    Operand<TInt64> probeSeed() {
      return (Operand<TInt64>) all.get(weightCount + 1);
    }

    @SuppressWarnings("unchecked")
    Operand<TInt64> countSeed() {
      return (Operand<TInt64>) all.get(weightCount + 2);
    }

    Signature.Builder signature(String key) {
      Signature.Builder signature = Signature.builder().key(key);
      for (int i = 0; i < all.size(); i++) {
        signature.input(argumentName(i), all.get(i));
      }
      return signature;
    }
  }
}
