package org.flows4j.tf.gradients;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.internal.c_api.TFJ_GradFuncAdapter;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.RawCustomGradient;

/**
 * Registers, once per JVM, Java gradients for the op types whose C++ gradient TensorFlow Java 1.1.0 lacks.
 *
 * <p>{@code TensorFlow.registerCustomGradient} allocates one native callback per registration from a pool of 10;
 * the 11th registration crashes the JVM when used. So this class creates a single adapter
 * ({@link RawCustomGradient#adapter}) around a dispatcher that looks the Java gradient up by {@code op.type()}, and
 * registers that one adapter for every op type with the raw C API {@code TFJ_RegisterCustomGradient}, skipping op
 * types that already have a gradient ({@code TFJ_HasGradient}: a duplicate registration aborts the process).
 *
 * <p>Call {@link #ensureRegistered()} before building gradients (every class of this package does). The native
 * gradient registry has no lock, so the first call should happen before several threads build gradients; later
 * calls are cheap no-ops.
 *
 * <p>A gradient function that throws does not leave the graph half-built in "gradient builder" mode (which loses ops
 * from the graph's name map): the dispatcher catches the exception, logs it, and hands the C++ builder an empty
 * result, so the {@code tf.gradients} call fails with "Invalid gradient output index" and the graph stays usable.
 * {@link SafeGradients} rethrows with the original exception as the cause.
 */
public final class GradientRegistry {

  private static final System.Logger LOG = System.getLogger(GradientRegistry.class.getName());

  /** Every Java gradient, by op type. Op types that already have a C++ gradient are skipped at registration. */
  private static final Map<String, GradientFunction> TABLE = buildTable();

  private static final ThreadLocal<@Nullable Throwable> LAST_FAILURE = new ThreadLocal<>();
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private static @Nullable TFJ_GradFuncAdapter adapter; // strong reference: the native side keeps a raw pointer
  private static Set<String> registered = Set.of();
  private static Set<String> skipped = Set.of();

  private GradientRegistry() {}

  private static Map<String, GradientFunction> buildTable() {
    Map<String, GradientFunction> t = new LinkedHashMap<>();
    // second-order gradients of activations and elementwise functions
    t.put("TanhGrad", ActivationGradients::tanhGrad);
    t.put("SigmoidGrad", ActivationGradients::sigmoidGrad);
    t.put("SoftplusGrad", ActivationGradients::softplusGrad);
    t.put("EluGrad", ActivationGradients::eluGrad);
    t.put("SeluGrad", ActivationGradients::seluGrad);
    t.put("ReluGrad", ActivationGradients::reluGrad);
    t.put("Relu6Grad", ActivationGradients::relu6Grad);
    t.put("SoftsignGrad", ActivationGradients::softsignGrad);
    t.put("SqrtGrad", ActivationGradients::sqrtGrad);
    t.put("RsqrtGrad", ActivationGradients::rsqrtGrad);
    t.put("ReciprocalGrad", ActivationGradients::reciprocalGrad);
    t.put("InvGrad", ActivationGradients::reciprocalGrad);
    // convolutions, biases and slices (second order)
    t.put("Conv2DBackpropFilter", ConvolutionGradients::conv2dBackpropFilter);
    t.put("BiasAddGrad", ConvolutionGradients::biasAddGrad);
    t.put("StridedSliceGrad", ArrayGradients::stridedSliceGrad);
    // linear algebra
    t.put("MatrixInverse", LinalgGradients::matrixInverse);
    t.put("MatrixDeterminant", LinalgGradients::matrixDeterminant);
    t.put("LogMatrixDeterminant", LinalgGradients::logMatrixDeterminant);
    t.put("MatrixSolve", LinalgGradients::matrixSolve);
    t.put("MatrixTriangularSolve", LinalgGradients::matrixTriangularSolve);
    t.put("Cholesky", LinalgGradients::cholesky);
    // diagonals (tf.linalg.matrixDiag / matrixDiagPart / matrixSetDiag emit V2 / V2 / V3)
    t.put("MatrixDiagPart", DiagonalGradients::matrixDiagPartV1);
    t.put("MatrixSetDiag", DiagonalGradients::matrixSetDiagV1);
    t.put("MatrixDiagV2", DiagonalGradients::matrixDiagV2);
    t.put("MatrixDiagV3", DiagonalGradients::matrixDiagV3);
    t.put("MatrixDiagPartV2", DiagonalGradients::matrixDiagPartV2);
    t.put("MatrixDiagPartV3", DiagonalGradients::matrixDiagPartV3);
    t.put("MatrixSetDiagV2", DiagonalGradients::matrixSetDiagV2);
    t.put("MatrixSetDiagV3", DiagonalGradients::matrixSetDiagV3);
    // elementwise math
    t.put("Round", MathGradients::piecewiseConstant);
    t.put("Rint", MathGradients::piecewiseConstant);
    t.put("Ceil", MathGradients::piecewiseConstant);
    t.put("Xlogy", MathGradients::xlogy);
    t.put("Xdivy", MathGradients::xdivy);
    t.put("Xlog1py", MathGradients::xlog1py);
    t.put("MulNoNan", MathGradients::mulNoNan);
    t.put("Erfc", MathGradients::erfc);
    t.put("Digamma", MathGradients::digamma);
    t.put("Polygamma", MathGradients::polygamma);
    // array ops
    t.put("OnesLike", ArrayGradients::onesLike);
    // per-instance custom gradients, identity for plain IdentityN
    t.put("IdentityN", CustomGradient::gradient);
    // Already have a C++ gradient in TF Java 1.1.0; listed so that a future native build without them is covered.
    t.put("Conv2DBackpropInput", ConvolutionGradients::conv2dBackpropInput);
    return Collections.unmodifiableMap(t);
  }

  /**
   * Registers the gradients of this package for every op type that has none yet. Idempotent and thread-safe; the
   * work happens once per JVM.
   */
  public static synchronized void ensureRegistered() {
    if (adapter != null) {
      return;
    }
    LOG.log(System.Logger.Level.DEBUG, "TensorFlow {0}", TensorFlow.version()); // loads the natives
    TFJ_GradFuncAdapter a = RawCustomGradient.adapter(GradientRegistry::dispatch);
    Set<String> done = new LinkedHashSet<>();
    Set<String> already = new LinkedHashSet<>();
    for (String type : TABLE.keySet()) {
      if (tensorflow.TFJ_HasGradient(type)) {
        already.add(type);
        continue;
      }
      if (!tensorflow.TFJ_RegisterCustomGradient(type, a)) {
        throw new IllegalStateException("TFJ_RegisterCustomGradient refused op type " + type);
      }
      done.add(type);
    }
    adapter = a;
    registered = Collections.unmodifiableSet(done);
    skipped = Collections.unmodifiableSet(already);
    // DEBUG, not INFO: a library stays quiet in its users' consoles unless they turn its logger up.
    LOG.log(System.Logger.Level.DEBUG, "flows4j registered Java gradients for {0} op types: {1}", done.size(), done);
    if (!already.isEmpty()) {
      LOG.log(
          System.Logger.Level.DEBUG,
          "flows4j kept the existing native gradients of {0}",
          already);
    }
  }

  /** The op types whose gradient this class registered (empty before {@link #ensureRegistered()}). */
  public static synchronized Set<String> registeredOpTypes() {
    return registered;
  }

  /** The op types this class has a gradient for but left alone because TensorFlow already had one. */
  public static synchronized Set<String> skippedOpTypes() {
    return skipped;
  }

  /** Every op type this class knows a gradient for, registered or skipped. */
  public static Set<String> supportedOpTypes() {
    return TABLE.keySet();
  }

  /**
   * The exception thrown by the last failing gradient function on this thread, cleared by the call. Used by
   * {@link SafeGradients} to explain a failed {@code tf.gradients}.
   */
  static Optional<Throwable> takeLastFailure() {
    Throwable t = LAST_FAILURE.get();
    LAST_FAILURE.remove();
    return Optional.ofNullable(t);
  }

  /** Whether the current thread is inside a gradient function (the graph lock is held). */
  static boolean insideGradientFunction() {
    return DEPTH.get()[0] > 0;
  }

  /** The single native entry point: finds the Java gradient by op type and checks its result. */
  private static List<Operand<?>> dispatch(Ops tf, GraphOperation op, List<Output<?>> upstream) {
    int[] depth = DEPTH.get();
    depth[0]++;
    try {
      GradientFunction fn = TABLE.get(op.type());
      if (fn == null) {
        throw new IllegalStateException("no Java gradient for op type " + op.type());
      }
      List<Output<?>> up = new ArrayList<>(upstream.size());
      for (int i = 0; i < upstream.size(); i++) {
        Output<?> u = upstream.get(i);
        up.add(isMissing(u) ? tf.zerosLike(op.output(i)).asOutput() : u);
      }
      List<Operand<?>> result = fn.apply(tf, op, Collections.unmodifiableList(up));
      return checked(tf, op, result);
    } catch (RuntimeException | Error e) {
      LAST_FAILURE.set(e);
      LOG.log(
          System.Logger.Level.ERROR,
          "gradient function for " + op.type() + " '" + op.name() + "' failed; tf.gradients will fail",
          e);
      // An empty result makes the C++ builder return an error status ("Invalid gradient output index") instead of
      // unwinding through native code with the graph left in gradient-builder mode.
      return List.of();
    } finally {
      depth[0]--;
    }
  }

  /** One gradient per input, null replaced by zeros, dtypes equal to the inputs'. */
  private static List<Operand<?>> checked(Ops tf, GraphOperation op, @Nullable List<Operand<?>> result) {
    int n = op.numInputs();
    if (result == null || result.size() != n) {
      throw new IllegalStateException(
          "gradient of " + op.type() + " '" + op.name() + "' returned "
              + (result == null ? "null" : result.size() + " operands") + " for " + n + " inputs");
    }
    List<Operand<?>> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Operand<?> g = result.get(i);
      Output<?> in = op.input(i);
      if (g == null) {
        g = tf.zerosLike(in);
      } else if (!baseType(g.asOutput().dataType()).equals(baseType(in.dataType()))) {
        throw new IllegalStateException(
            "gradient " + i + " of " + op.type() + " '" + op.name() + "' has dtype " + g.asOutput().dataType()
                + ", input has " + in.dataType());
      }
      out.add(g);
    }
    return out;
  }

  /**
   * The dtype without its reference marker: a ref variable ({@code VariableV2}) feeds ops as {@code DT_FLOAT_REF},
   * while its gradient is a plain {@code DT_FLOAT}.
   */
  private static String baseType(Object dataType) {
    String name = dataType.toString();
    return name.endsWith("_REF") ? name.substring(0, name.length() - 4) : name;
  }

  /** An output whose native handle is null: TensorFlow's "no gradient". */
  static boolean isMissing(Output<?> output) {
    if (!(output.op() instanceof GraphOperation op)) {
      return false;
    }
    TF_Operation handle = op.getUnsafeNativeHandle();
    return handle == null || handle.isNull();
  }
}
