package org.flows4j.tf;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Flows;
import org.flows4j.api.Shape;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.context.ContextEncoder;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.step.CouplingStep;
import org.flows4j.api.step.StepSpec;
import org.flows4j.api.transform.CouplingTransform;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat64;

/**
 * Dispatch from the sealed spec types, checked over {@link Class#getPermittedSubclasses()}: every concrete subtype
 * of every sealed spec family appears in a spec of the conformance suites, and such a spec compiles and
 * round-trips through JSON. A subtype added to a {@code permits} clause without a compiler branch, a JSON name or a
 * conformance case fails here rather than for a user.
 */
class SealedDispatchTest {
  /** Every sealed family of spec values the compiler dispatches on. */
  static final List<Class<?>> FAMILIES = List.of(StepSpec.class, CouplingTransform.class, ConditionerSpec.class,
      BaseSpec.class, Dequantization.class, LogitTransform.class, ResidualBranch.class, LogDetEstimator.class,
      ContextSpec.class, ContextEncoder.class);

  /** The flows of the conformance suites, each step case as a one-step flow. */
  static List<FlowSpec> conformanceFlows() {
    List<FlowSpec> flows = new ArrayList<>();
    Stream.of(StepConformanceTest.steps(), StepConformanceTest.dropoutSteps(),
            StepConformanceTest.evaluationEstimatorSteps())
        .flatMap(s -> s).map(Arguments::get)
        .forEach(args -> flows.add(Flows.sequential((Shape) args[0]).add((StepSpec) args[1]).build()));
    Stream.of(PresetConformanceTest.presets(), ConditionalFlowTest.flows(), ConditionalFlowTest.contextFlows())
        .flatMap(s -> s).map(Arguments::get)
        .forEach(args -> flows.add((FlowSpec) args[1]));
    return flows;
  }

  /** The concrete classes a sealed type permits, following sealed sub-interfaces ({@code CouplingStep}). */
  static List<Class<?>> leaves(Class<?> sealed) {
    List<Class<?>> leaves = new ArrayList<>();
    for (Class<?> sub : sealed.getPermittedSubclasses()) {
      if (sub.isSealed()) {
        leaves.addAll(leaves(sub));
      } else {
        leaves.add(sub);
      }
    }
    return leaves;
  }

  static Stream<Arguments> subtypes() {
    return FAMILIES.stream().flatMap(family -> leaves(family).stream()
        .map(leaf -> Arguments.of(family.getSimpleName(), leaf.getSimpleName(), leaf)));
  }

  /** For each spec class, the first conformance flow that uses it. */
  private static final Map<Class<?>, FlowSpec> FIRST_USE = new LinkedHashMap<>();

  static {
    for (FlowSpec flow : conformanceFlows()) {
      Set<Class<?>> used = new LinkedHashSet<>();
      collect(flow, used);
      used.forEach(type -> FIRST_USE.putIfAbsent(type, flow));
    }
  }

  /** The classes of every value in a spec: record components, list elements, and couplings' transforms. */
  private static void collect(Object value, Set<Class<?>> used) {
    used.add(value.getClass());
    if (value instanceof CouplingStep coupling) {
      collect(coupling.transform(), used);
    }
    if (value instanceof List<?> list) {
      list.forEach(element -> collect(element, used));
    } else if (value.getClass().isRecord()) {
      for (RecordComponent component : value.getClass().getRecordComponents()) {
        try {
          Object part = component.getAccessor().invoke(value);
          if (part != null) {
            collect(part, used);
          }
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("subtypes")
  void everySubtypeIsInTheConformanceSuiteCompilesAndRoundTripsThroughJson(
      String family, String name, Class<?> subtype) {
    FlowSpec flow = FIRST_USE.get(subtype);
    assertThat(flow).as("a conformance case (StepConformanceTest, PresetConformanceTest or ConditionalFlowTest) "
        + "using %s %s", family, name).isNotNull();
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(flow))).as("JSON round trip").isEqualTo(flow);
    try (Graph graph = new Graph()) {
      LikelihoodModel<TFloat64> model = FlowCompiler.compileModel(Ops.create(graph), flow, TFloat64.class, 1);
      assertThat(model.steps()).as("compiled steps").isNotEmpty();
    }
  }

  /**
   * Every step with a network — a record component that is a conditioner or a residual branch — is in a
   * conditional conformance case ({@code ConditionalFlowTest}), once per kind of network it takes (a MADE and a
   * PixelCNN for MAF): a step that silently ignored the context, or refused it, would fail here.
   */
  @org.junit.jupiter.api.Test
  void everyStepWithANetworkIsInAConditionalConformanceCase() {
    Set<String> covered = new LinkedHashSet<>();
    Stream.concat(ConditionalFlowTest.flows(), ConditionalFlowTest.contextFlows()).map(Arguments::get)
        .forEach(args -> ((FlowSpec) args[1]).levels().forEach(level -> level.steps()
            .forEach(step -> covered.addAll(networkKinds(step.getClass(), step)))));
    List<String> needed = new ArrayList<>();
    for (Class<?> step : leaves(StepSpec.class)) {
      needed.addAll(networkKinds(step, null));
    }
    System.out.println("steps with a network, each in a conditional conformance case: " + needed);
    assertThat(needed).isNotEmpty();
    assertThat(covered).containsAll(needed);
  }

  /**
   * {@code step}'s class with each network family it takes ({@code Coupling/ConditionerSpec},
   * {@code ResidualBlock/ResidualBranch}); for an instance, the family of the network it has (MAF: by the
   * conditioner's class, so a MADE and a PixelCNN count apart).
   */
  private static List<String> networkKinds(Class<?> step, @org.jspecify.annotations.Nullable Object instance) {
    List<String> kinds = new ArrayList<>();
    if (!step.isRecord()) {
      return kinds;
    }
    for (RecordComponent component : step.getRecordComponents()) {
      Class<?> type = component.getType();
      if (type != ConditionerSpec.class && type != ResidualBranch.class) {
        continue;
      }
      boolean perConditioner = step == org.flows4j.api.step.MaskedAutoregressive.class;
      if (instance == null) {
        if (perConditioner) {
          kinds.add(step.getSimpleName() + "/MlpConditioner");
          kinds.add(step.getSimpleName() + "/PixelCnnConditioner");
        } else {
          kinds.add(step.getSimpleName());
        }
      } else {
        try {
          Object network = component.getAccessor().invoke(instance);
          kinds.add(perConditioner ? step.getSimpleName() + "/" + network.getClass().getSimpleName()
              : step.getSimpleName());
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    }
    return kinds;
  }
}
