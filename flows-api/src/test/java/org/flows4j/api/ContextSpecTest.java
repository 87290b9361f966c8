package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.context.ClassContext;
import org.flows4j.api.context.ContextEncoder;
import org.flows4j.api.context.ContextSpec;
import org.flows4j.api.context.Contexts;
import org.flows4j.api.context.FeatureContext;
import org.flows4j.api.context.MlpEncoder;
import org.flows4j.api.context.NoEncoder;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.Test;

/** The context of a conditional flow in the spec: values, validation, JSON. */
class ContextSpecTest {
  private static FlowSpec conditional(ContextSpec context) {
    return Flows.sequential(Shape.of(4)).context(context)
        .steps(2, s -> s.affineCoupling(Mask.HALF, Conditioners.mlp(8)).reverse()).build();
  }

  @Test
  void contextsSayWhatConditionersReceive() {
    FeatureContext features = Contexts.features(3);
    assertThat(features).isEqualTo(new FeatureContext(3, new NoEncoder()));
    assertThat(features.inputWidth()).isEqualTo(3);
    assertThat(features.conditionFeatures()).isEqualTo(3);
    assertThat(features.encodedBy(ContextEncoder.mlp(5, 16, 16)).conditionFeatures()).isEqualTo(5);
    ClassContext classes = Contexts.classes(10);
    assertThat(classes.embeddingFeatures()).isEqualTo(Contexts.DEFAULT_EMBEDDING_FEATURES);
    assertThat(classes.inputWidth()).isEqualTo(1);
    assertThat(Contexts.classes(10).embedding(4).conditionFeatures()).isEqualTo(4);
    assertThat(ContextEncoder.mlp(5, 16)).isEqualTo(new MlpEncoder(java.util.List.of(16), Activation.RELU, 5));
    assertThat(ContextSpec.none().isConditional()).isFalse();
    assertThat(classes.isConditional()).isTrue();
  }

  @Test
  void badArgumentsFailAtTheCallWithNameValueAndBound() {
    assertThatThrownBy(() -> Contexts.features(0)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("features must be at least 1, but was 0");
    assertThatThrownBy(() -> Contexts.classes(1)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("classes must be at least 2, but was 1");
    assertThatThrownBy(() -> Contexts.classes(3).embedding(0)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("embeddingFeatures must be at least 1, but was 0");
    assertThatThrownBy(() -> ContextEncoder.mlp(0, 8)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("outputFeatures must be at least 1, but was 0");
    assertThatThrownBy(() -> ContextEncoder.mlp(4, 8, 0)).isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("hidden widths must be at least 1, but were [8, 0]");
    assertThatThrownBy(() -> Flows.sequential(Shape.of(4)).context(null)).isExactlyInstanceOf(
        NullPointerException.class).hasMessage("context");
  }

  @Test
  void unconditionalSpecsAreWrittenWithoutContextAndConditionalOnesRoundTrip() {
    FlowSpec plain = conditional(ContextSpec.none());
    assertThat(FlowSpecJson.toJson(plain)).doesNotContain("context");
    FlowSpec withClasses = conditional(Contexts.classes(10).embedding(4).encodedBy(ContextEncoder.mlp(8, 16)));
    String json = FlowSpecJson.toJson(withClasses);
    assertThat(json).contains("\"context\": {\n    \"type\": \"classes\",\n    \"classes\": 10,\n"
        + "    \"embeddingFeatures\": 4,\n    \"encoder\": {\n      \"type\": \"mlp\"");
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(withClasses);
    FlowSpec withFeatures = conditional(Contexts.features(2));
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(withFeatures))).isEqualTo(withFeatures);
    // A spec saved before contexts existed has no "context" at all: it reads as unconditional.
    assertThat(FlowSpecJson.fromJson(CouplingSpecTest.SAVED_BEFORE_THE_GENERAL_COUPLING).context())
        .isEqualTo(ContextSpec.none());
    assertThatThrownBy(() -> FlowSpecJson.fromJson(json.replace("\"classes\": 10", "\"classes\": 1")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at context: classes must be at least 2, but was 1");
  }

  /**
   * Every step with a network receives the context, so a conditional flow may use any of them: residual blocks (as
   * a bias of every branch map) and PixelCNN MAF (a projection in every layer) included; they used to be refused.
   */
  @Test
  void residualBlocksAndPixelCnnAreAcceptedInAConditionalFlow() {
    FlowSpec spec = Flows.sequential(Shape.of(4)).context(Contexts.features(2))
        .steps(1, s -> s.affineCoupling(Mask.HALF, Conditioners.mlp(8)).maf(8)
            .residualBlock(b -> b.lipschitzMlp(8)))
        .build();
    assertThat(spec.context()).isEqualTo(Contexts.features(2));
    FlowSpec image = Flows.sequential(Shape.of(4, 4, 2)).context(Contexts.classes(3).embedding(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(4)))
        .build();
    assertThat(image.levels().get(0).steps()).hasSize(1);
    FlowSpec pixelCnn = Flows.sequential(Shape.of(3, 3, 1)).context(Contexts.classes(2).embedding(2))
        .steps(1, s -> s.actNorm().maf(Conditioners.pixelCnn(4).layers(1)))
        .build();
    assertThat(pixelCnn.levels().get(0).steps()).hasSize(2);
  }
}
