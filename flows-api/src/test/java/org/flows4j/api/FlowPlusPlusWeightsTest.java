package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.conditioner.AttentionConvNetConditioner;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.conditioner.ConvWeights;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.Test;

/**
 * Flow++'s conditioner holds plain kernels by default, as the official code; weight normalisation is an option, and
 * specs saved before the choice existed (no {@code "weights"}) load as the weight-normalised network they were.
 */
class FlowPlusPlusWeightsTest {
  private static final String SAVED_BEFORE = """
      {
        "inputShape": [ 4, 4, 2 ],
        "layout": "SEQUENTIAL",
        "levels": [ {
          "steps": [ {
            "type": "affineCoupling",
            "mask": "CHECKERBOARD",
            "conditioner": {
              "type": "flowPlusPlus",
              "width": 8,
              "blocks": 1,
              "heads": 2,
              "dropout": 0.2,
              "zeroInitLastLayer": true,
              "dataInitialization": true
            },
            "scale": {
              "kind": "EXP_SOFT_CLAMP",
              "bound": 2.0
            }
          } ]
        } ],
        "base": {
          "type": "standardNormal"
        },
        "dequantization": {
          "type": "none"
        },
        "logit": {
          "type": "none"
        }
      }""";

  private static FlowSpec withConditioner(AttentionConvNetConditioner conditioner) {
    return Flows.sequential(Shape.of(4, 4, 2)).steps(1, s -> s.affineCoupling(Mask.CHECKERBOARD, conditioner))
        .build();
  }

  @Test
  void theDefaultIsPlainKernelsAndWeightNormIsAnOption() {
    assertThat(Conditioners.flowPlusPlus(8).blocks(1).heads(2).weights()).isEqualTo(ConvWeights.PLAIN);
    AttentionConvNetConditioner normalised = Conditioners.flowPlusPlus(8).blocks(1).heads(2).weights(ConvWeights.WEIGHT_NORMALIZED);
    assertThat(normalised.weights()).isEqualTo(ConvWeights.WEIGHT_NORMALIZED);
    assertThat(normalised.dropout(0.1).zeroInitLast(false).dataInitialization(false).weights())
        .isEqualTo(ConvWeights.WEIGHT_NORMALIZED);
    assertThatThrownBy(() -> Conditioners.flowPlusPlus(8).blocks(1).heads(2).weights(null))
        .isExactlyInstanceOf(NullPointerException.class).hasMessage("newWeights");
  }

  @Test
  void aSpecSavedBeforeTheChoiceLoadsWeightNormalisedAndSavesAsBefore() {
    FlowSpec old = FlowSpecJson.fromJson(SAVED_BEFORE);
    AffineCoupling coupling = (AffineCoupling) old.steps().get(0);
    assertThat(((AttentionConvNetConditioner) coupling.conditioner()).weights())
        .isEqualTo(ConvWeights.WEIGHT_NORMALIZED);
    assertThat(old).isEqualTo(withConditioner(Conditioners.flowPlusPlus(8).blocks(1).heads(2)
        .weights(ConvWeights.WEIGHT_NORMALIZED)));
    assertThat(FlowSpecJson.toJson(old)).doesNotContain("weights");
  }

  @Test
  void plainKernelsAreWrittenAndReadBack() {
    FlowSpec plain = withConditioner(Conditioners.flowPlusPlus(8).blocks(1).heads(2));
    String json = FlowSpecJson.toJson(plain);
    assertThat(json).contains("\"dataInitialization\": true,\n        \"weights\": \"PLAIN\"");
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(plain);
  }
}
