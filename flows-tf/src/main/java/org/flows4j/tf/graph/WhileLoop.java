package org.flows4j.tf.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.function.BiFunction;
import org.jspecify.annotations.Nullable;
import org.tensorflow.ConcreteFunction;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TBool;
import org.tensorflow.types.family.TType;

/**
 * A functional while loop ({@code StatelessWhile} over two {@link ConcreteFunction}s; it runs in exported
 * SavedModels). Condition and body are traced into their own function graphs and cannot capture outer tensors:
 * everything they read must be a loop variable.
 *
 * <p>Why not {@code Graph.whileLoop}: TensorFlow's C++ gradient builder walks backwards through every ancestor of
 * the loss, and on reaching a v1 loop's Exit nodes — even behind {@code stopGradient} — it fails with "Missing
 * gradient into while loop". A functional While op whose outputs only receive "no gradient" is simply passed
 * over. The outputs still come back behind {@code stopGradient}: there is no gradient through the loop.
 */
public final class WhileLoop {
  private WhileLoop() {}

  public static List<Operand<?>> run(Ops tf, String name, List<Operand<?>> initial,
      BiFunction<Ops, List<Output<?>>, Operand<TBool>> condition,
      BiFunction<Ops, List<Output<?>>, List<Operand<?>>> body) {
    return run(tf, name, null, initial, condition, body);
  }

  /**
   * {@link #run(Ops, String, List, BiFunction, BiFunction)}, tracing the condition and the body only once per graph
   * for each {@code bodyKey}: loops with equal keys (and names and loop-variable types) share one pair of functions.
   * The key must determine everything the two functions build (shapes, constants, options); with a null key the
   * loop is traced afresh. Why: tracing is a graph of its own and a function definition per loop, about 2 ms each,
   * and a 100-block Residual Flow builds 1000 power-iteration loops of seven distinct kinds.
   */
  public static List<Operand<?>> run(Ops tf, String name, @Nullable Object bodyKey, List<Operand<?>> initial,
      BiFunction<Ops, List<Output<?>>, Operand<TBool>> condition,
      BiFunction<Ops, List<Output<?>>, List<Operand<?>>> body) {
    List<Class<? extends TType>> types = new ArrayList<>();
    for (Operand<?> operand : initial) {
      types.add(operand.type());
    }
    ConcreteFunction[] traced;
    if (bodyKey != null && tf.scope().env() instanceof Graph graph) {
      List<Object> key = List.of(name, types, bodyKey);
      synchronized (TRACED) {
        traced = TRACED.computeIfAbsent(graph, g -> new HashMap<>())
            .computeIfAbsent(key, k -> trace(name, types, condition, body));
      }
    } else {
      traced = trace(name, types, condition, body);
    }
    return new StoppedOutputs(tf, tf.withName(name).statelessWhile(initial, traced[0], traced[1]).output());
  }

  /**
   * The loop's outputs, each behind {@code stopGradient} built the first time it is read: a power-iteration loop
   * carries six variables and its caller reads three, and a 100-block Residual Flow has 2000 such loops.
   */
  private static final class StoppedOutputs extends java.util.AbstractList<Operand<?>> {
    private final Ops tf;
    private final List<Output<?>> outputs;
    private final Operand<?>[] stopped;

    StoppedOutputs(Ops tf, List<Output<?>> outputs) {
      this.tf = tf;
      this.outputs = outputs;
      this.stopped = new Operand<?>[outputs.size()];
    }

    @Override
    public synchronized Operand<?> get(int i) {
      if (stopped[i] == null) {
        stopped[i] = stop(tf, outputs.get(i));
      }
      return stopped[i];
    }

    @Override
    public int size() {
      return outputs.size();
    }
  }

  /** Traced loops by graph and key (see {@link #run(Ops, String, Object, List, BiFunction, BiFunction)}). */
  private static final Map<Graph, Map<List<Object>, ConcreteFunction[]>> TRACED = new WeakHashMap<>();

  private static ConcreteFunction[] trace(String name, List<Class<? extends TType>> types,
      BiFunction<Ops, List<Output<?>>, Operand<TBool>> condition,
      BiFunction<Ops, List<Output<?>>, List<Operand<?>>> body) {
    ConcreteFunction cond = ConcreteFunction.create(f -> {
      List<Output<?>> vars = placeholders(f, types);
      Signature.Builder signature = inputs(Signature.builder().key(name + "_cond"), vars);
      return signature.output("result", condition.apply(f, vars)).build();
    });
    ConcreteFunction step = ConcreteFunction.create(f -> {
      List<Output<?>> vars = placeholders(f, types);
      Signature.Builder signature = inputs(Signature.builder().key(name + "_body"), vars);
      List<Operand<?>> next = body.apply(f, vars);
      for (int i = 0; i < next.size(); i++) {
        signature.output(variableName(i), next.get(i));
      }
      return signature.build();
    });
    return new ConcreteFunction[] {cond, step};
  }

  private static List<Output<?>> placeholders(Ops f, List<Class<? extends TType>> types) {
    List<Output<?>> vars = new ArrayList<>();
    for (Class<? extends TType> type : types) {
      vars.add(placeholder(f, type));
    }
    return vars;
  }

  private static <T extends TType> Output<?> placeholder(Ops f, Class<T> type) {
    Placeholder<T> p = f.placeholder(type);
    return p.output();
  }

  private static Signature.Builder inputs(Signature.Builder signature, List<Output<?>> vars) {
    for (int i = 0; i < vars.size(); i++) {
      signature.input(variableName(i), vars.get(i));
    }
    return signature;
  }

  /** Zero-padded, so the functions' argument order is the loop-variable order whether names are kept or sorted. */
  private static String variableName(int i) {
    return String.format("v%04d", i);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Operand<?> stop(Ops tf, Output<?> output) {
    return tf.stopGradient((Output) output);
  }

  /** The i-th loop variable with its type. */
  @SuppressWarnings("unchecked")
  public static <T extends TType> Operand<T> get(List<? extends Operand<?>> vars, int i) {
    return (Operand<T>) vars.get(i);
  }

  /** The loop variables from index {@code from} on, all of one type (the weights a loop body reads). */
  public static <T extends TType> List<Operand<T>> getFrom(List<? extends Operand<?>> vars, int from) {
    List<Operand<T>> tail = new java.util.ArrayList<>();
    for (int i = from; i < vars.size(); i++) {
      tail.add(get(vars, i));
    }
    return tail;
  }
}
