package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.flows4j.api.conditioner.Conditioners.convNet;
import static org.flows4j.api.conditioner.Conditioners.mlp;

import java.util.List;
import java.util.stream.Stream;
import org.flows4j.api.base.Bases;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.residual.Inverse;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LogDet;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.AffineScale;
import org.flows4j.api.step.AutoregressiveDirection;
import org.flows4j.api.step.AutoregressiveOrder;
import org.flows4j.api.step.MaskedAutoregressive;
import org.flows4j.api.step.Conv1x1;
import org.flows4j.api.step.Mask;
import org.flows4j.api.step.MixtureLogisticsCoupling;
import org.flows4j.api.transform.Transforms;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class FlowSpecJsonTest {

  /** One spec per step type, conditioner setting and base, each in a context where it is valid. */
  static Stream<Arguments> everyStepType() {
    return Stream.of(
        Arguments.of("actNorm", Flows.sequential(Shape.of(2)).steps(1, s -> s.actNorm()).build()),
        Arguments.of("additiveCoupling", Flows.sequential(Shape.of(4))
            .steps(1, s -> s.additiveCoupling(Mask.HALF_FLIPPED, mlp(8, 16).activation(Activation.TANH))).build()),
        Arguments.of("affineCoupling", Flows.sequential(Shape.of(4, 4, 2))
            .steps(1, s -> s.affineCoupling(Mask.CHECKERBOARD,
                convNet(8).kernelSize(5).activation(Activation.ELU).zeroInitLast(false),
                AffineScale.expSoftClamp(1.5)))
            .build()),
        Arguments.of("affineCoupling sigmoid", Flows.sequential(Shape.of(4, 4, 2))
            .steps(1, s -> s.affineCoupling(Mask.CHANNELS_FLIPPED, convNet(3).activation(Activation.SOFTPLUS),
                AffineScale.sigmoid()))
            .build()),
        Arguments.of("invertibleConv1x1", Flows.sequential(Shape.of(3))
            .steps(1, s -> s.invertibleConv1x1(Conv1x1.PLAIN).invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
                .invertibleConv1x1(Conv1x1.QR)).build()),
        Arguments.of("maf and iaf", Flows.sequential(Shape.of(5))
            .steps(1, s -> s.maf(16, 16).maf(AutoregressiveOrder.reversed(), 8)
                .iaf(4).iaf(AutoregressiveOrder.random(-987654321987654321L), 32, 16))
            .build()),
        Arguments.of("mixture-of-logistics couplings", Flows.sequential(Shape.of(4, 4, 2))
            .steps(1, s -> s.mixtureLogisticsCoupling(Mask.CHECKERBOARD, convNet(8), 4)
                .add(new MixtureLogisticsCoupling(Mask.CHANNELS, convNet(4), 2).logScaleBound(3)
                    .inverse(1e-9, 64)))
            .build()),
        Arguments.of("flowPlusPlus conditioners", Flows.sequential(Shape.of(4, 4, 2))
            .steps(1, s -> s.affineCoupling(Mask.CHECKERBOARD, Conditioners.flowPlusPlus(8).blocks(2).heads(4))
                .additiveCoupling(Mask.CHANNELS, Conditioners.flowPlusPlus(6).blocks(1).heads(3).zeroInitLast(false))
                .mixtureLogisticsCoupling(Mask.CHANNELS_FLIPPED, Conditioners.flowPlusPlus(4).blocks(1).heads(1), 2)
                .affineCoupling(Mask.CHECKERBOARD_FLIPPED,
                    Conditioners.flowPlusPlus(4).blocks(2).heads(2).dropout(0.2).dataInitialization(false)))
            .build()),
        Arguments.of("emerging and periodic convolutions", Flows.sequential(Shape.of(6, 6, 2))
            .steps(2, s -> s.emergingConv(3).periodicConv(5).emergingConv(7).periodicConv(1)).build()),
        Arguments.of("maskedAutoregressive every field", Flows.sequential(Shape.of(3))
            .add(new MaskedAutoregressive(mlp(7, 5).activation(Activation.ELU).zeroInitLast(false),
                AutoregressiveOrder.random(42), AutoregressiveDirection.IAF, AffineScale.sigmoid()))
            .build()),
        Arguments.of("maf with pixelCnn conditioners", Flows.sequential(Shape.of(5, 4, 2))
            .steps(1, s -> s.maf(Conditioners.pixelCnn(8).layers(2))
                .maf(AutoregressiveOrder.reversed(), Conditioners.pixelCnn(3).layers(4).kernelSize(5)
                    .activation(Activation.SOFTPLUS).zeroInitLast(false))
                .add(new MaskedAutoregressive(Conditioners.pixelCnn(1).layers(1), AutoregressiveOrder.natural(),
                    AutoregressiveDirection.MAF, AffineScale.sigmoid())))
            .build()),
        Arguments.of("reverse", Flows.sequential(Shape.of(3)).steps(1, s -> s.reverse()).build()),
        Arguments.of("shuffle", Flows.sequential(Shape.of(3)).steps(1, s -> s.shuffle(-1234567890123456789L)).build()),
        Arguments.of("squeeze", Flows.sequential(Shape.of(6, 6, 1)).steps(1, s -> s.squeeze(3)).build()),
        Arguments.of("factorOut", Flows.sequential(Shape.of(4)).steps(1, s -> s.factorOut()).build()),
        Arguments.of("diagonalGaussian base", Flows.sequential(Shape.of(2))
            .steps(1, s -> s.actNorm()).base(Bases.diagonalGaussian()).build()),
        Arguments.of("standardLogistic base", Flows.sequential(Shape.of(2))
            .steps(1, s -> s.actNorm()).base(Bases.standardLogistic()).build()),
        Arguments.of("residualBlock defaults", Flows.sequential(Shape.of(2))
            .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(16, 16))).build()),
        Arguments.of("residualBlock every field", Flows.sequential(Shape.of(4, 4, 2))
            .steps(1, s -> s.residualBlock(b -> b
                .branch(new LipschitzConvNet(8, false))
                .activation(Activation.ELU)
                .spectralNormalization(new SpectralNormalization(0.9, 1e-4, 7))
                .logDet(LogDet.russianRoulettePoisson(2.5).exactTerms(1))
                .evaluationLogDet(LogDet.exact())
                .inverse(Inverse.fixedPoint().atol(0).rtol(1e-7).maxIterations(250))))
            .build()),
        Arguments.of("residualBlock truncated series", Flows.sequential(Shape.of(8, 8, 3))
            .steps(1, s -> s.residualBlock(b -> b.lipschitzConvNet(4).activation(Activation.SOFTPLUS)
                .logDet(LogDet.truncatedSeries(5))
                .evaluationLogDet(LogDet.truncatedSeries(10).neumannGradient())))
            .build()),
        Arguments.of("residualBlock mlp on an image", Flows.sequential(Shape.of(2, 2, 3))
            .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(5).activation(Activation.TANH).lipschitzCoeff(0.7)
                .logDet(LogDet.exact())))
            .build()));
  }

  static Stream<Arguments> everyPreset() {
    return Stream.of(
        Arguments.of("glow", Presets.glow(Shape.of(32, 32, 3)).levels(3).stepsPerLevel(4).width(128).build()),
        Arguments.of("emerging", Presets.emerging(Shape.of(32, 32, 3)).levels(3).stepsPerLevel(4).width(128).build()),
        Arguments.of("realNvp vector", Presets.realNvp(Shape.of(2)).couplings(8).width(64).build()),
        Arguments.of("maf", Presets.maf(Shape.of(4)).layers(5).width(64).build()),
        Arguments.of("maf image", Presets.maf(Shape.of(28, 28, 1)).layers(4).width(32).build()),
        Arguments.of("flowPlusPlus", Presets.flowPlusPlus(Shape.of(28, 28, 1)).width(16).blocks(1).heads(2).components(8).build()),
        Arguments.of("realNvp image", Presets.realNvp(Shape.of(32, 32, 3)).couplings(3).width(64).build()),
        Arguments.of("nice vector", Presets.nice(Shape.of(784)).couplings(4).width(1000).build()),
        Arguments.of("nice image", Presets.nice(Shape.of(28, 28, 1)).couplings(4).width(32).build()),
        Arguments.of("residualFlow vector", Presets.residualFlow(Shape.of(2)).blocks(10).width(128).build()),
        Arguments.of("residualFlow image", Presets.residualFlow(Shape.of(28, 28, 1)).blocks(4).width(64).build()),
        Arguments.of("neuralSplineFlow vector", Presets.neuralSplineFlow(Shape.of(2)).steps(8).width(64).build()),
        Arguments.of("autoregressiveNeuralSplineFlow", Presets.autoregressiveNeuralSplineFlow(Shape.of(6)).steps(5).width(64).build()),
        Arguments.of("neuralSplineFlow image", Presets.neuralSplineFlow(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(4).width(32).build()));
  }

  /** Every kind of dequantization and logit transform, on both layouts. */
  static Stream<Arguments> everyPreprocessing() {
    return Stream.of(
        Arguments.of("uniform(256) + logit(0.05)", Flows.sequential(Shape.of(4, 4, 2))
            .dequantize(Dequantization.uniform(256)).logit(0.05)
            .steps(1, s -> s.actNorm().affineCoupling(convNet(4)))
            .build()),
        Arguments.of("uniform(32), no logit", Flows.multiscale(Shape.of(8, 8, 1))
            .dequantize(Dequantization.uniform(32))
            .levels(2, level -> level.squeeze().actNorm())
            .build()),
        Arguments.of("uniform(2) + logit(1e-6)", Flows.sequential(Shape.of(2))
            .dequantize(Dequantization.uniform(2)).logit(1e-6)
            .steps(1, s -> s.actNorm())
            .build()),
        Arguments.of("glow uniform(256) + logit(0.05)", Presets.glow(Shape.of(32, 32, 3)).levels(3).stepsPerLevel(4).width(128).build()
            .withPreprocessing(Dequantization.uniform(256), LogitTransform.of(0.05))),
        Arguments.of("variational(256) + logit(0.05)", Flows.sequential(Shape.of(4, 4, 2))
            .dequantize(Dequantization.variational(256, Flows.sequential(Shape.of(4, 4, 2))
                .stepsIndexed(2, (i, s) -> s.actNorm().mixtureLogisticsCoupling(
                    i % 2 == 0 ? Mask.CHECKERBOARD : Mask.CHANNELS, convNet(8), 4))
                .build()))
            .logit(0.05)
            .steps(1, s -> s.actNorm().affineCoupling(convNet(4)))
            .build()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"everyStepType", "everyPreset", "everyPreprocessing"})
  void roundTripGivesAnEqualSpec(String name, FlowSpec spec) {
    String json = FlowSpecJson.toJson(spec);
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(spec);
    assertThat(FlowSpecJson.toJson(FlowSpecJson.fromJson(json))).isEqualTo(json);
  }

  @Test
  void formatIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(4))
        .steps(1, s -> s.actNorm().affineCoupling(mlp(8)).shuffle(7))
        .base(Bases.standardLogistic())
        .build();
    assertThat(FlowSpecJson.toJson(spec)).isEqualTo("""
        {
          "inputShape": [ 4 ],
          "layout": "SEQUENTIAL",
          "levels": [ {
            "steps": [ {
              "type": "actNorm"
            }, {
              "type": "affineCoupling",
              "mask": "HALF",
              "conditioner": {
                "type": "mlp",
                "hiddenWidths": [ 8 ],
                "activation": "RELU",
                "zeroInitLastLayer": true
              },
              "scale": {
                "kind": "EXP_SOFT_CLAMP",
                "bound": 2.0
              }
            }, {
              "type": "shuffle",
              "seed": 7
            } ]
          } ],
          "base": {
            "type": "standardLogistic"
          },
          "dequantization": {
            "type": "none"
          },
          "logit": {
            "type": "none"
          }
        }""");
  }

  @Test
  void formatOfPreprocessingIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .dequantize(Dequantization.uniform(32)).logit(0.05)
        .steps(1, s -> s.actNorm())
        .build();
    assertThat(FlowSpecJson.toJson(spec)).isEqualTo("""
        {
          "inputShape": [ 2 ],
          "layout": "SEQUENTIAL",
          "levels": [ {
            "steps": [ {
              "type": "actNorm"
            } ]
          } ],
          "base": {
            "type": "standardNormal"
          },
          "dequantization": {
            "type": "uniform",
            "levels": 32
          },
          "logit": {
            "type": "logit",
            "alpha": 0.05
          }
        }""");
  }

  @Test
  void formatOfHoogeboomConvolutionsIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 1)).steps(1, s -> s.emergingConv(3).periodicConv(2)).build();
    assertThat(FlowSpecJson.toJson(spec)).contains("""
              "type": "emergingConv",
              "kernelSize": 3
        """).contains("""
              "type": "periodicConv",
              "kernelSize": 2
        """);
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec);
  }

  @Test
  void formatOfMaskedAutoregressiveIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, s -> s.iaf(AutoregressiveOrder.random(7), 16, 16).invertibleConv1x1(Conv1x1.QR))
        .build();
    assertThat(FlowSpecJson.toJson(spec)).isEqualTo("""
        {
          "inputShape": [ 2 ],
          "layout": "SEQUENTIAL",
          "levels": [ {
            "steps": [ {
              "type": "maskedAutoregressive",
              "conditioner": {
                "type": "mlp",
                "hiddenWidths": [ 16, 16 ],
                "activation": "RELU",
                "zeroInitLastLayer": true
              },
              "order": {
                "kind": "RANDOM",
                "seed": 7
              },
              "direction": "IAF",
              "transform": {
                "type": "affine",
                "scale": {
                  "kind": "EXP_SOFT_CLAMP",
                  "bound": 2.0
                }
              }
            }, {
              "type": "invertibleConv1x1",
              "parameterization": "QR"
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
        }""");
  }

  @Test
  void maskedAutoregressiveSavedWithAScaleStillLoadsAsTheAffineTransform() {
    // The format before the elementwise map of maf / iaf became a choice: "scale" on the step.
    String saved = sequential("[3]", """
        {"type": "maskedAutoregressive",
         "conditioner": {"type": "mlp", "hiddenWidths": [8], "activation": "TANH", "zeroInitLastLayer": true},
         "order": {"kind": "NATURAL", "seed": 0}, "direction": "MAF",
         "scale": {"kind": "SIGMOID", "bound": 1.0}}""");
    FlowSpec spec = FlowSpecJson.fromJson(saved);
    assertThat(spec.levels().get(0).steps()).containsExactly(new MaskedAutoregressive(
        mlp(8).activation(Activation.TANH), AutoregressiveOrder.natural(), AutoregressiveDirection.MAF,
        AffineScale.sigmoid()));
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec);
  }

  @Test
  void formatOfSplineStepsIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(4))
        .steps(1, s -> s.splineCoupling(mlp(8), Transforms.spline().bins(4))
            .maf(AutoregressiveOrder.reversed(), mlp(8), Transforms.spline()))
        .build();
    String json = FlowSpecJson.toJson(spec);
    assertThat(json).contains("""
              "type": "coupling",
              "mask": "HALF",
              "conditioner": {
                "type": "mlp",
                "hiddenWidths": [ 8 ],
                "activation": "RELU",
                "zeroInitLastLayer": true
              },
              "transform": {
                "type": "rationalQuadraticSpline",
                "bins": 4,
                "bound": 3.0,
                "minBinWidth": 0.001,
                "minBinHeight": 0.001,
                "minDerivative": 0.001
              }
        """).contains("""
              "direction": "MAF",
              "transform": {
                "type": "rationalQuadraticSpline",
                "bins": 8,
        """);
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(spec);
  }

  @Test
  void formatOfPixelCnnMafIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(4, 4, 1))
        .steps(1, s -> s.maf(AutoregressiveOrder.reversed(), Conditioners.pixelCnn(32).layers(4)))
        .build();
    assertThat(FlowSpecJson.toJson(spec)).contains("""
              "type": "maskedAutoregressive",
              "conditioner": {
                "type": "pixelCnn",
                "width": 32,
                "layers": 4,
                "kernelSize": 3,
                "activation": "RELU",
                "zeroInitLastLayer": true
              },
              "order": {
                "kind": "REVERSED",
                "seed": 0
              },
              "direction": "MAF",
        """);
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec);
  }

  @Test
  void formatOfResidualBlockIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(32, 32).logDet(LogDet.truncatedSeries(4))
            .evaluationLogDet(LogDet.exact())))
        .build();
    assertThat(FlowSpecJson.toJson(spec)).isEqualTo(RESIDUAL_JSON);
  }

  /**
   * Learned orders (the official {@code --learn-p}) are saved as {@code "learnedOrders": true} and read back; a
   * spec without the field (every spec saved before it existed, {@link #RESIDUAL_JSON}) reads as fixed orders and
   * saves exactly as before, since false is left out.
   */
  /**
   * {@code seriesPrecision(BFLOAT16)} is saved as {@code "seriesPrecision": "BFLOAT16"} and read back; FULL, the
   * default, is left out, so specs saved before the option existed ({@link #RESIDUAL_JSON}) read as FULL and save
   * exactly as before.
   */
  @Test
  void seriesPrecisionRoundTripsAndOldSpecsReadAsFull() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(32, 32).logDet(LogDet.truncatedSeries(4))
            .evaluationLogDet(LogDet.exact()).seriesPrecision(SeriesPrecision.FULL)))
        .build();
    assertThat(FlowSpecJson.toJson(spec)).isEqualTo(RESIDUAL_JSON);
    FlowSpec old = FlowSpecJson.fromJson(RESIDUAL_JSON);
    assertThat(((ResidualBlock) old.steps().get(0)).seriesPrecision()).isEqualTo(SeriesPrecision.FULL);
    assertThat(old).isEqualTo(spec);
    FlowSpec reduced = Flows.sequential(Shape.of(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(32, 32)
            .logDet(LogDet.truncatedSeries(4).neumannGradient()).evaluationLogDet(LogDet.exact())
            .seriesPrecision(SeriesPrecision.BFLOAT16)))
        .build();
    String json = FlowSpecJson.toJson(reduced);
    assertThat(json).isEqualTo(RESIDUAL_JSON.replace("\"gradient\": \"BACKPROP\"", "\"gradient\": \"NEUMANN\"")
        .replace("\"maxIterations\": 100\n      }", "\"maxIterations\": 100\n      },\n"
            + "      \"seriesPrecision\": \"BFLOAT16\""));
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(reduced).isNotEqualTo(spec);
  }

  @Test
  void learnedOrdersRoundTripAndOldSpecsReadAsFixedOrders() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(32, 32).logDet(LogDet.truncatedSeries(4))
            .evaluationLogDet(LogDet.exact())
            .spectralNormalization(SpectralNormalization.defaults().withLearnedOrders())))
        .build();
    String json = FlowSpecJson.toJson(spec);
    assertThat(json).isEqualTo(RESIDUAL_JSON.replace("\"orders\": [ ]",
        "\"orders\": [ ],\n        \"learnedOrders\": true"));
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(spec);
    FlowSpec old = FlowSpecJson.fromJson(RESIDUAL_JSON);
    assertThat(((org.flows4j.api.step.ResidualBlock) old.steps().get(0)).lipschitz().learnedOrders()).isFalse();
    assertThat(FlowSpecJson.toJson(old)).isEqualTo(RESIDUAL_JSON);
    assertThat(SpectralNormalization.defaults().withOrders(2, 3, 2).withLearnedOrders().orders()).isEmpty();
    assertThatThrownBy(() -> new SpectralNormalization(0.9, 1e-3, 20, List.of(2.0, 2.0), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("learned orders start at 2 (as the official --learn-p, which ignores --vnorms), so orders must "
            + "be empty, but were [2.0, 2.0]");
  }

  private static final String RESIDUAL_JSON = """
      {
        "inputShape": [ 2 ],
        "layout": "SEQUENTIAL",
        "levels": [ {
          "steps": [ {
            "type": "residualBlock",
            "branch": {
              "type": "lipschitzMlp",
              "hiddenWidths": [ 32, 32 ],
              "preActivation": true
            },
            "activation": "LIPSWISH",
            "lipschitz": {
              "coeff": 0.98,
              "tolerance": 0.001,
              "maxIterations": 20,
              "orders": [ ]
            },
            "logDet": {
              "type": "truncatedSeries",
              "terms": 4,
              "gradient": "BACKPROP"
            },
            "evaluationLogDet": {
              "type": "exact"
            },
            "inverse": {
              "atol": 1.0E-5,
              "rtol": 1.0E-5,
              "maxIterations": 100
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

  @Test
  void formatOfRussianRouletteIsStable() {
    FlowSpec spec = Flows.sequential(Shape.of(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(8)))
        .build();
    assertThat(FlowSpecJson.toJson(spec))
        .contains("""
            "logDet": {
                    "type": "russianRoulette",
                    "distribution": "GEOMETRIC",
                    "parameter": 0.5,
                    "exactTerms": 2,
                    "gradient": "NEUMANN"
                  },
                  "evaluationLogDet": {
                    "type": "russianRoulette",
                    "distribution": "GEOMETRIC",
                    "parameter": 0.5,
                    "exactTerms": 20,
                    "gradient": "NEUMANN"
                  },""");
  }

  @Test
  void unknownResidualTypesListTheKnownOnes() {
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            RESIDUAL_JSON.replace("\"lipschitzMlp\"", "\"resNet\"")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].branch: unknown residual branch type \"resNet\". "
            + "Known residual branch types: lipschitzMlp, lipschitzConvNet.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            RESIDUAL_JSON.replace("\"type\": \"exact\"", "\"type\": \"hutchinson\"")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].evaluationLogDet: unknown log-det estimator type "
            + "\"hutchinson\". Known log-det estimator types: exact, truncatedSeries, russianRoulette.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            RESIDUAL_JSON.replace("\"type\": \"truncatedSeries\",", "")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].logDet: missing the \"type\" of a log-det "
            + "estimator. Known log-det estimator types: exact, truncatedSeries, russianRoulette.");
  }

  @Test
  void residualValuesAreChecked() {
    assertThat(FlowSpecJson.fromJson(RESIDUAL_JSON)).isEqualTo(Flows.sequential(Shape.of(2))
        .steps(1, s -> s.residualBlock(b -> b.lipschitzMlp(32, 32).logDet(LogDet.truncatedSeries(4))
            .evaluationLogDet(LogDet.exact())))
        .build());
    assertThatThrownBy(() -> FlowSpecJson.fromJson(RESIDUAL_JSON.replace("\"terms\": 4", "\"terms\": 0")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].logDet: terms must be at least 1, but was 0");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(RESIDUAL_JSON.replace("\"atol\": 1.0E-5", "\"atol\": 0")
            .replace("\"rtol\": 1.0E-5", "\"rtol\": 0")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].inverse: "
            + "atol and rtol must be finite, >= 0 and not both 0, but were 0.0 and 0.0");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(RESIDUAL_JSON.replace("32, 32", "32, 0")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].branch: "
            + "hidden widths must be positive, but hiddenWidths[1] was 0");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(RESIDUAL_JSON.replace("\"LIPSWISH\"", "\"SWISH\"")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid flow spec JSON at levels[0].steps[0].activation: ")
        .hasMessageContaining("\"SWISH\"");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            RESIDUAL_JSON.replace("\"evaluationLogDet\": {\n        \"type\": \"exact\"\n      },", "")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0]: missing property \"evaluationLogDet\".");
    // A record that passes its own checks but breaks a flow rule: reported as build() would.
    assertThatThrownBy(() -> FlowSpecJson.fromJson(RESIDUAL_JSON.replace("\"coeff\": 0.98", "\"coeff\": 1.05")))
        .isExactlyInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  steps[0] (residualBlock): lipschitzCoeff must be in (0, 1) "
            + "for x + g(x) to be invertible, but was 1.05.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(RESIDUAL_JSON.replace("\"coeff\": 0.98", "\"coeff\": 0")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].lipschitz: "
            + "lipschitzCoeff must be positive and finite, but was 0.0");
  }

  private static final String NONE = "{\"type\": \"none\"}";

  /** A valid spec's JSON with {@code steps} as the only level's steps, and no dequantization or logit. */
  private static String sequential(String inputShape, String steps) {
    return sequential(inputShape, steps, NONE, NONE);
  }

  /** As {@link #sequential(String, String)}, with the given dequantization and logit objects. */
  private static String sequential(String inputShape, String steps, String dequantization, String logit) {
    return "{\"inputShape\": " + inputShape + ", \"layout\": \"SEQUENTIAL\", \"levels\": [{\"steps\": [" + steps
        + "]}], \"base\": {\"type\": \"standardNormal\"}, \"dequantization\": " + dequantization
        + ", \"logit\": " + logit + "}";
  }

  @Test
  void validJsonIsChecked() {
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}, {\"type\": \"squeeze\", \"factor\": 2}")))
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n"
            + "  steps[1] (squeeze): squeeze needs an image input [height, width, channels], but the input is [4].");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "")))
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): the flow has no steps. Add steps(n, step -> ...).");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}", NONE, "{\"type\": \"logit\", \"alpha\": 0.05}")))
        .isInstanceOf(InvalidFlowSpecException.class)
        .hasMessage("Invalid flow spec (1 problem):\n  flow (flow): the logit transform needs data in [0, 1], which "
            + "only dequantization provides, but the flow has Dequantization.none(). "
            + "Add dequantize(Dequantization.uniform(256)) or remove logit.");
  }

  @Test
  void malformedJsonSaysWhere() {
    assertThatThrownBy(() -> FlowSpecJson.fromJson("{\n  \"inputShape\": [4],\n  \"layout\" \"SEQUENTIAL\"\n}"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Malformed flow spec JSON at line 3, column 12: Unexpected character "
            + "('\"' (code 34)): was expecting a colon to separate field name and value");
    assertThatThrownBy(() -> FlowSpecJson.fromJson("{"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Malformed flow spec JSON at line 1, column 2: Unexpected end-of-input: "
            + "expected close marker for Object (start marker at line: 1, column: 1)");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"actNorm\"}") + " x"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Malformed flow spec JSON at line 1, column 191: Unrecognized token 'x'");
    assertThatThrownBy(() -> FlowSpecJson.fromJson("{\"inputShape\": [4], \"inputShape\": [2]}"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Malformed flow spec JSON at line 1, column 33: Duplicate field 'inputShape'");
  }

  @Test
  void unknownOrMissingTypesListTheKnownOnes() {
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}, {\"type\": \"batchNorm\"}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[1]: unknown step type \"batchNorm\". Known step types: "
            + "actNorm, additiveCoupling, affineCoupling, invertibleConv1x1, reverse, shuffle, squeeze, factorOut, "
            + "residualBlock, maskedAutoregressive, emergingConv, periodicConv, mixtureLogisticsCoupling, coupling.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"factor\": 2}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0]: missing the \"type\" of a step. Known step types: "
            + "actNorm, additiveCoupling, affineCoupling, invertibleConv1x1, reverse, shuffle, squeeze, factorOut, "
            + "residualBlock, maskedAutoregressive, emergingConv, periodicConv, mixtureLogisticsCoupling, coupling.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]",
            "{\"type\": \"additiveCoupling\", \"mask\": \"HALF\", \"conditioner\": {\"type\": \"resNet\"}}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0].conditioner: unknown conditioner type \"resNet\". "
            + "Known conditioner types: mlp, convNet, flowPlusPlus, pixelCnn.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}").replace("standardNormal", "gaussianMixture")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at base: unknown base type \"gaussianMixture\". "
            + "Known base types: standardNormal, diagonalGaussian, standardLogistic.");
  }

  @Test
  void unknownPreprocessingTypesListTheKnownOnes() {
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}", "{\"type\": \"learned\"}", NONE)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at dequantization: unknown dequantization type \"learned\". "
            + "Known dequantization types: none, uniform, variational.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}", "{\"levels\": 256}", NONE)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at dequantization: missing the \"type\" of a dequantization. "
            + "Known dequantization types: none, uniform, variational.");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}", NONE, "{\"type\": \"sigmoid\"}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at logit: unknown logit transform type \"sigmoid\". "
            + "Known logit transform types: none, logit.");
  }

  @Test
  void propertiesMustBeKnownAndPresent() {
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"shuffle\", \"seed\": 1, \"sed\": 2}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "Invalid flow spec JSON at levels[0].steps[0]: unknown property \"sed\". Known properties: [seed].");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"shuffle\"}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0]: missing property \"seed\".");
    assertThatThrownBy(() -> FlowSpecJson.fromJson("{\"inputShape\": [4], \"layout\": \"SEQUENTIAL\", \"levels\": []}"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON: missing property \"base\".");
  }

  @Test
  void preprocessingPropertiesMustBeKnownAndPresent() {
    // JSON written before dequantization and logit existed does not load: the reader never fills in defaults.
    assertThatThrownBy(() -> FlowSpecJson.fromJson("{\"inputShape\": [4], \"layout\": \"SEQUENTIAL\", "
            + "\"levels\": [{\"steps\": [{\"type\": \"actNorm\"}]}], \"base\": {\"type\": \"standardNormal\"}}"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON: missing property \"dequantization\".");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(
            sequential("[4]", "{\"type\": \"actNorm\"}", "{\"type\": \"uniform\"}", NONE)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at dequantization: missing property \"levels\".");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"actNorm\"}",
            "{\"type\": \"uniform\", \"levels\": 256, \"bits\": 8}", NONE)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at dequantization: unknown property \"bits\". Known properties: [levels].");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"actNorm\"}",
            "{\"type\": \"uniform\", \"levels\": 256}", "{\"type\": \"logit\"}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at logit: missing property \"alpha\".");
  }

  @Test
  void valuesMustBeValid() {
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4, 4, 1]", "{\"type\": \"squeeze\", \"factor\": 1}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at levels[0].steps[0]: squeeze factor must be at least 2, but was 1");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4, 0]", "{\"type\": \"actNorm\"}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at inputShape: "
            + "Shape dimensions must be positive, but dims[1] was 0 in [4, 0]");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "null")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid flow spec JSON at levels[0]");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"shuffle\", \"seed\": 1.5}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid flow spec JSON at levels[0].steps[0].seed: ");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]",
            "{\"type\": \"additiveCoupling\", \"mask\": \"HALVES\", \"conditioner\": "
                + "{\"type\": \"mlp\", \"hiddenWidths\": [8], \"activation\": \"RELU\", "
                + "\"zeroInitLastLayer\": true}}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid flow spec JSON at levels[0].steps[0].mask: ")
        .hasMessageContaining("\"HALVES\"");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"actNorm\"}",
            "{\"type\": \"uniform\", \"levels\": 3}", NONE)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at dequantization: "
            + "levels must be a power of two from 2 to 256 (the n of n-bit data), but was 3");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"actNorm\"}",
            "{\"type\": \"uniform\", \"levels\": 256}", "{\"type\": \"logit\", \"alpha\": 0.5}")))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON at logit: "
            + "logit alpha must be in (0, 0.5) so that α + (1 - 2α)·x stays inside (0, 1), but was 0.5");
    assertThatThrownBy(() -> FlowSpecJson.fromJson(sequential("[4]", "{\"type\": \"actNorm\"}",
            "{\"type\": \"uniform\", \"levels\": 256.0}", NONE)))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Invalid flow spec JSON at dequantization.levels: ");
    assertThatThrownBy(() -> FlowSpecJson.fromJson("null"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessage("Invalid flow spec JSON: expected an object, but got null");
  }
}
