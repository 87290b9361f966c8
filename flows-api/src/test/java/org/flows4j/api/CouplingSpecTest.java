package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.AdditiveCoupling;
import org.flows4j.api.step.AffineCoupling;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.Coupling;
import org.flows4j.api.step.InverseKind;
import org.flows4j.api.step.LogDetKind;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.transform.AdditiveTransform;
import org.flows4j.api.transform.AffineTransform;
import org.flows4j.api.transform.MixtureOfLogisticsTransform;
import org.flows4j.api.transform.Transforms;
import org.junit.jupiter.api.Test;

/**
 * Couplings as mask × conditioner × elementwise transform: the named forms (affineCoupling, additiveCoupling,
 * mixtureLogisticsCoupling) are the general coupling with their transform, and specs saved by the code before the
 * general coupling existed still load.
 */
class CouplingSpecTest {
  /** What {@code FlowSpecJson.toJson} wrote before {@code coupling(mask, conditioner, transform)} existed. */
  static final String SAVED_BEFORE_THE_GENERAL_COUPLING = """
      {
        "inputShape": [ 4 ],
        "layout": "SEQUENTIAL",
        "levels": [ {
          "steps": [ {
            "type": "additiveCoupling",
            "mask": "HALF",
            "conditioner": {
              "type": "mlp",
              "hiddenWidths": [ 8 ],
              "activation": "RELU",
              "zeroInitLastLayer": true
            }
          }, {
            "type": "affineCoupling",
            "mask": "HALF_FLIPPED",
            "conditioner": {
              "type": "mlp",
              "hiddenWidths": [ 8, 8 ],
              "activation": "RELU",
              "zeroInitLastLayer": true
            },
            "scale": {
              "kind": "SIGMOID",
              "bound": 1.0
            }
          }, {
            "type": "mixtureLogisticsCoupling",
            "mask": "HALF",
            "conditioner": {
              "type": "mlp",
              "hiddenWidths": [ 8 ],
              "activation": "RELU",
              "zeroInitLastLayer": true
            },
            "components": 3,
            "logScaleBound": 5.0,
            "inverseTolerance": 1.0E-6,
            "maxIterations": 100
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

  @Test
  void specsSavedBeforeTheGeneralCouplingStillLoadAndAreWrittenTheSameWay() {
    FlowSpec expected = Flows.sequential(Shape.of(4)).steps(1, s -> s
        .additiveCoupling(Mask.HALF, Conditioners.mlp(8))
        .affineCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8, 8), AffineScale.sigmoid())
        .mixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 3)).build();
    FlowSpec loaded = FlowSpecJson.fromJson(SAVED_BEFORE_THE_GENERAL_COUPLING);
    // Saved when the default bound on Flow++'s a was 5: the file keeps its bound; today's default is the official 1.
    assertThat(loaded.steps()).containsExactly(expected.steps().get(0), expected.steps().get(1),
        new MixtureLogisticsCoupling(Mask.HALF, Conditioners.mlp(8), 3, 5.0,
            MixtureLogisticsCoupling.DEFAULT_INVERSE_TOLERANCE, MixtureLogisticsCoupling.DEFAULT_MAX_ITERATIONS));
    assertThat(loaded.inputShape()).isEqualTo(expected.inputShape());
    assertThat(FlowSpecJson.toJson(loaded)).isEqualTo(SAVED_BEFORE_THE_GENERAL_COUPLING);
  }

  @Test
  void namedCouplingsAreTheGeneralCouplingWithTheirTransform() {
    AffineCoupling affine = new AffineCoupling(Mask.HALF, Conditioners.mlp(8), AffineScale.expSoftClamp(3.0));
    assertThat(affine.transform()).isEqualTo(new AffineTransform(AffineScale.expSoftClamp(3.0)));
    assertThat(new AdditiveCoupling(Mask.HALF, Conditioners.mlp(8)).transform()).isEqualTo(new AdditiveTransform());
    MixtureLogisticsCoupling mixture =
        new MixtureLogisticsCoupling(Mask.CHANNELS, Conditioners.convNet(8), 4).inverse(1e-9, 50);
    assertThat(mixture.transform()).isEqualTo(Transforms.mixtureLogistics(4).inverse(1e-9, 50));
    assertThat(mixture.parametersPerScalar()).isEqualTo(14);

    assertThat(new AdditiveCoupling(Mask.HALF, Conditioners.mlp(8)).logDetKind()).isEqualTo(LogDetKind.ZERO);
    assertThat(affine.logDetKind()).isEqualTo(LogDetKind.EXACT);
    assertThat(affine.inverseKind()).isEqualTo(InverseKind.ANALYTIC);
    assertThat(mixture.inverseKind()).isEqualTo(InverseKind.ITERATIVE);
    Coupling general = new Coupling(Mask.HALF, Conditioners.mlp(8), Transforms.mixtureLogistics(2));
    assertThat(general.kind()).isEqualTo("coupling");
    assertThat(general.logDetKind()).isEqualTo(LogDetKind.EXACT);
    assertThat(general.inverseKind()).isEqualTo(InverseKind.ITERATIVE);
  }

  @Test
  void theGeneralCouplingIsBuiltByTheDslRoundTripsThroughJsonAndIsValidatedLikeTheOthers() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 2)).steps(1, s -> s
        .coupling(Mask.CHECKERBOARD, Conditioners.convNet(8), Transforms.affine())
        .coupling(Mask.CHANNELS, Conditioners.convNet(8), Transforms.additive())
        .coupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(8), Transforms.mixtureLogistics(2))).build();
    assertThat(spec.steps().get(0))
        .isEqualTo(new Coupling(Mask.CHECKERBOARD, Conditioners.convNet(8),
            new AffineTransform(AffineScale.expSoftClamp(2.0))));
    String json = FlowSpecJson.toJson(spec);
    assertThat(json).contains("\"type\": \"coupling\"").contains("\"type\": \"affine\"")
        .contains("\"type\": \"additive\"").contains("\"type\": \"mixtureLogistics\"");
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(spec);

    assertThatThrownBy(() -> Flows.sequential(Shape.of(4, 4, 1))
            .steps(1, s -> s.coupling(Mask.CHANNELS, Conditioners.convNet(8), Transforms.additive())).build())
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessageContaining("steps[0] (coupling): the mask must leave both halves non-empty, but the input has 1 "
            + "channel ([4, 4, 1]). Add squeeze() before it.");
  }

  @Test
  void transformArgumentsAreCheckedAtTheCall() {
    assertThatThrownBy(() -> Transforms.mixtureLogistics(0))
        .isExactlyInstanceOf(IllegalArgumentException.class).hasMessage("components must be at least 1, but was 0");
    assertThatThrownBy(() -> Transforms.mixtureLogistics(2).logScaleBound(-1))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("logScaleBound must be positive and finite, but was -1.0");
    assertThatThrownBy(() -> new Coupling(Mask.HALF, Conditioners.mlp(8), null))
        .isExactlyInstanceOf(NullPointerException.class).hasMessage("transform");
    assertThat(new MixtureOfLogisticsTransform(3).parametersPerScalar()).isEqualTo(11);
  }
}
