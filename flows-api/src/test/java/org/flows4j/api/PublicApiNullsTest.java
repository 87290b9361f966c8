package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.testing.NullPointerTester;
import java.util.List;
import java.util.Set;
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
import org.flows4j.api.testing.NullChecks;
import org.junit.jupiter.api.Test;

/**
 * A null argument anywhere in the public API fails at once with a {@link NullPointerException} that names the
 * parameter, rather than later, far from the call, or not at all. Guava's {@link NullPointerTester} passes null to
 * every parameter not marked {@code @Nullable} of every public static method, constructor and builder method, one at
 * a time; every public class of flows-api is covered by scanning the packages, so a new one cannot be forgotten.
 * The sweep itself is {@link NullChecks}, shared with flows-tf's {@code TrainingApiNullsTest}.
 */
class PublicApiNullsTest {
  private static final Shape VECTOR = Shape.of(2);
  private static final Shape IMAGE = Shape.of(4, 4, 2);

  private static NullPointerTester tester() {
    FlowSpec spec = Presets.realNvp(VECTOR).couplings(2).width(4).build();
    // Numbers get values every rule accepts (NullPointerTester's 0 would fail a size check before the null check
    // is reached, which is a fine answer too, but not the one under test).
    return new NullPointerTester()
        .setDefault(int.class, 3)
        .setDefault(long.class, 3L)
        .setDefault(double.class, 0.5)
        .setDefault(int[].class, new int[] {3})
        .setDefault(org.flows4j.api.step.AffineScale.class, org.flows4j.api.step.AffineScale.sigmoid())
        .setDefault(org.flows4j.api.step.AutoregressiveOrder.class,
            org.flows4j.api.step.AutoregressiveOrder.natural())
        .setDefault(org.flows4j.api.residual.SpectralNormalization.class,
            org.flows4j.api.residual.SpectralNormalization.defaults())
        .setDefault(org.flows4j.api.residual.FixedPointInverse.class, org.flows4j.api.residual.Inverse.fixedPoint())
        .setDefault(Shape.class, VECTOR)
        .setDefault(FlowSpec.class, spec)
        .setDefault(ConditionerSpec.class, Conditioners.mlp(4))
        .setDefault(BaseSpec.class, Bases.standardNormal())
        .setDefault(Dequantization.class, Dequantization.uniform(256))
        .setDefault(LogitTransform.class, spec.logit())
        .setDefault(LogDetEstimator.class, LogDet.exact())
        .setDefault(ResidualBranch.class, new org.flows4j.api.residual.LipschitzMlp(List.of(4)))
        .setDefault(StepSpec.class, new org.flows4j.api.step.ActNorm())
        .setDefault(org.flows4j.api.transform.CouplingTransform.class, org.flows4j.api.transform.Transforms.affine())
        .setDefault(org.flows4j.api.transform.RationalQuadraticSpline.class,
            org.flows4j.api.transform.RationalQuadraticSpline.defaults())
        .setDefault(org.flows4j.api.context.ContextSpec.class, org.flows4j.api.context.Contexts.features(2))
        .setDefault(org.flows4j.api.context.ContextEncoder.class,
            org.flows4j.api.context.ContextEncoder.mlp(4, 4))
        .setDefault(org.flows4j.api.step.FactorOutPrior.class, org.flows4j.api.step.FactorOutPrior.LEARNED);
  }

  @Test
  void everyPublicStaticMethodAndConstructorRejectsNullNamingTheParameter() {
    List<Class<?>> classes = NullChecks.publicClasses(FlowSpec.class, Set.of("org.flows4j.api",
        "org.flows4j.api.base", "org.flows4j.api.conditioner", "org.flows4j.api.context", "org.flows4j.api.data",
        "org.flows4j.api.residual", "org.flows4j.api.step", "org.flows4j.api.transform"));
    assertThat(classes).as("the scan found the API").contains(Flows.class, Presets.class, Conditioners.class);

    assertThat(NullChecks.staticMethodsAndConstructors(tester(), classes)).isEmpty();
  }

  @Test
  void everyBuilderMethodRejectsNullNamingTheParameter() {
    NullPointerTester tester = tester();
    AtomicReference<StepsBuilder> steps = new AtomicReference<>();
    AtomicReference<ResidualBlockBuilder> residual = new AtomicReference<>();
    Flows.sequential(VECTOR).steps(1, step -> {
      steps.set(step);
      step.residualBlock(block -> {
        residual.set(block);
        block.lipschitzMlp(4);
      });
    });
    List<Object> builders = List.of(Flows.sequential(VECTOR), Flows.multiscale(IMAGE), steps.get(), residual.get(),
        Conditioners.convNet(4), Conditioners.mlp(4), Conditioners.flowPlusPlus(4), Conditioners.pixelCnn(4).layers(2),
        LogDet.russianRoulette(0.5), Presets.realNvp(VECTOR).couplings(2).width(4).build(),
        Presets.realNvp(VECTOR));

    assertThat(NullChecks.instanceMethods(tester, builders)).isEmpty();
  }

  @Test
  void theExceptionNamesTheParameter() {
    assertThatThrownBy(() -> Flows.sequential(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("inputShape");
    assertThatThrownBy(() -> Flows.sequential(VECTOR).base(null)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("base");
  }
}
