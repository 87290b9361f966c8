package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.reflect.ClassPath;
import com.google.common.testing.NullPointerTester;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.flows4j.api.base.Bases;
import org.flows4j.api.base.BaseSpec;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.ResidualBlockBuilder;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.step.StepSpec;
import org.junit.jupiter.api.Test;

/**
 * A null argument anywhere in the public API fails at once with a {@link NullPointerException} that names the
 * parameter, rather than later, far from the call, or not at all. Guava's {@link NullPointerTester} passes null to
 * every parameter not marked {@code @Nullable} of every public static method, constructor and builder method, one at
 * a time; every public class of flows-api is covered by scanning the package, so a new one cannot be forgotten.
 */
class PublicApiNullsTest {
  private static final Shape VECTOR = Shape.of(2);
  private static final Shape IMAGE = Shape.of(4, 4, 2);

  private static NullPointerTester tester() {
    FlowSpec spec = Presets.realNvp(VECTOR, 2, 4);
    return new NullPointerTester()
        .setDefault(Shape.class, VECTOR)
        .setDefault(FlowSpec.class, spec)
        .setDefault(ConditionerSpec.class, Conditioners.mlp(4))
        .setDefault(BaseSpec.class, Bases.standardNormal())
        .setDefault(Dequantization.class, Dequantization.uniform(256))
        .setDefault(LogitTransform.class, spec.logit())
        .setDefault(LogDetEstimator.class, LogDet.exact())
        .setDefault(ResidualBranch.class, new org.flows4j.api.residual.LipschitzMlp(List.of(4)))
        .setDefault(StepSpec.class, new org.flows4j.api.step.ActNorm());
  }

  @Test
  void everyPublicStaticMethodAndConstructorRejectsNullNamingTheParameter() throws IOException {
    NullPointerTester tester = tester();
    List<Class<?>> classes = ClassPath.from(FlowSpec.class.getClassLoader())
        .getTopLevelClassesRecursive("org.flows4j.api").stream()
        .map(ClassPath.ClassInfo::load)
        .filter(type -> Modifier.isPublic(type.getModifiers()))
        .toList();
    assertThat(classes).as("the scan found the API").contains(Flows.class, Presets.class, Conditioners.class);

    for (Class<?> type : classes) {
      tester.testAllPublicStaticMethods(type);
      if (!type.isInterface() && !Modifier.isAbstract(type.getModifiers())) {
        tester.testAllPublicConstructors(type);
      }
    }
  }

  @Test
  void everyBuilderMethodRejectsNullNamingTheParameter() {
    NullPointerTester tester = tester();
    AtomicReference<StepsBuilder> steps = new AtomicReference<>();
    AtomicReference<ResidualBlockBuilder> residual = new AtomicReference<>();
    Flows.sequential(VECTOR).steps(1, step -> {
      steps.set(step);
      step.residualBlock(residual::set);
    });

    tester.testAllPublicInstanceMethods(Flows.sequential(VECTOR));
    tester.testAllPublicInstanceMethods(Flows.multiscale(IMAGE));
    tester.testAllPublicInstanceMethods(steps.get());
    tester.testAllPublicInstanceMethods(residual.get());
    tester.testAllPublicInstanceMethods(Conditioners.convNet(4));
    tester.testAllPublicInstanceMethods(Conditioners.mlp(4));
    tester.testAllPublicInstanceMethods(Conditioners.flowPlusPlus(4, 1, 1));
    tester.testAllPublicInstanceMethods(Conditioners.pixelCnn(4, 2));
    tester.testAllPublicInstanceMethods(LogDet.russianRoulette(0.5));
  }

  @Test
  void theExceptionNamesTheParameter() {
    assertThatThrownBy(() -> Flows.sequential(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("inputShape");
    assertThatThrownBy(() -> Flows.sequential(VECTOR).base(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("base");
  }
}
