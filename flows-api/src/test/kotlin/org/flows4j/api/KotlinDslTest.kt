package org.flows4j.api

import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.flows4j.api.base.Bases
import org.flows4j.api.base.DiagonalGaussian
import org.flows4j.api.base.StandardLogistic
import org.flows4j.api.base.StandardNormal
import org.flows4j.api.conditioner.Activation
import org.flows4j.api.conditioner.Conditioners
import org.flows4j.api.conditioner.AttentionConvNetConditioner
import org.flows4j.api.conditioner.ConvWeights
import org.flows4j.api.conditioner.ConvNetConditioner
import org.flows4j.api.conditioner.MlpConditioner
import org.flows4j.api.conditioner.PixelCnnConditioner
import org.flows4j.api.context.ClassContext
import org.flows4j.api.context.ContextEncoder
import org.flows4j.api.context.ContextSpec
import org.flows4j.api.context.Contexts
import org.flows4j.api.context.FeatureContext
import org.flows4j.api.context.MlpEncoder
import org.flows4j.api.context.NoContext
import org.flows4j.api.context.NoEncoder
import org.flows4j.api.data.Dequantization
import org.flows4j.api.data.Logit
import org.flows4j.api.data.LogitTransform
import org.flows4j.api.data.NoDequantization
import org.flows4j.api.data.NoLogit
import org.flows4j.api.data.UniformDequantization
import org.flows4j.api.residual.ExactLogDet
import org.flows4j.api.residual.FixedPointInverse
import org.flows4j.api.residual.GradientMode
import org.flows4j.api.residual.Inverse
import org.flows4j.api.residual.LipschitzConvNet
import org.flows4j.api.residual.LipschitzMlp
import org.flows4j.api.residual.LogDet
import org.flows4j.api.residual.LogDetEstimator
import org.flows4j.api.residual.ResidualBlockBuilder
import org.flows4j.api.residual.ResidualBranch
import org.flows4j.api.residual.RussianRoulette
import org.flows4j.api.residual.SeriesPrecision
import org.flows4j.api.residual.SpectralNormalization
import org.flows4j.api.residual.TermDistribution
import org.flows4j.api.residual.TruncatedSeries
import org.flows4j.api.step.ActNorm
import org.flows4j.api.step.AdditiveCoupling
import org.flows4j.api.step.AffineCoupling
import org.flows4j.api.step.AffineScale
import org.flows4j.api.step.AutoregressiveDirection
import org.flows4j.api.step.AutoregressiveOrder
import org.flows4j.api.step.Conv1x1
import org.flows4j.api.step.Coupling
import org.flows4j.api.step.CouplingStep
import org.flows4j.api.step.EmergingConv
import org.flows4j.api.step.FactorOut
import org.flows4j.api.step.FactorOutPrior
import org.flows4j.api.step.InverseKind
import org.flows4j.api.step.InvertibleConv1x1
import org.flows4j.api.step.LogDetKind
import org.flows4j.api.step.Mask
import org.flows4j.api.step.MixtureLogisticsCoupling
import org.flows4j.api.step.MaskedAutoregressive
import org.flows4j.api.step.PeriodicConv
import org.flows4j.api.step.ResidualBlock
import org.flows4j.api.step.Reverse
import org.flows4j.api.step.Shuffle
import org.flows4j.api.step.Squeeze
import org.flows4j.api.step.StepSpec
import org.flows4j.api.transform.AdditiveTransform
import org.flows4j.api.transform.AffineTransform
import org.flows4j.api.transform.CouplingTransform
import org.flows4j.api.transform.RationalQuadraticSpline
import org.flows4j.api.transform.MixtureOfLogisticsTransform
import org.flows4j.api.transform.Transforms
import org.junit.jupiter.api.Test

/**
 * Touches every public DSL entry point from Kotlin with trailing-lambda syntax: if a Java signature reads badly
 * from Kotlin (lambda not last, a keyword as a name, a platform type where nullness should be known), this file
 * stops compiling or reads wrong.
 */
class KotlinDslTest {

  @Test
  fun glowWrittenByHandEqualsThePreset() {
    val glow = Flows.multiscale(Shape.of(28, 28, 1))
      .dequantize(Dequantization.uniform(256))
      .factorOutPrior(FactorOutPrior.LEARNED)
      .levels(2) { level ->
        level.squeeze().steps(4) { step ->
          step.actNorm()
            .invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
            .affineCoupling(Mask.CHANNELS, Conditioners.convNet(64).zeroInitLast(), AffineScale.sigmoid())
        }
      }
      .base(Bases.diagonalGaussian())
      .build()

    assertThat(glow).isEqualTo(Presets.glow(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(4).width(64).build())
    assertThat(Flows.shapes(glow).last()).isEqualTo(Shape.of(7, 7, 8))
    assertThat(glow.levels()[0].steps().last()).isEqualTo(FactorOut(FactorOutPrior.LEARNED))
  }

  @Test
  fun emergingWrittenByHandEqualsThePreset() {
    val emerging = Flows.multiscale(Shape.of(28, 28, 1))
      .dequantize(Dequantization.uniform(256))
      .factorOutPrior(FactorOutPrior.LEARNED)
      .levels(2) { level ->
        level.squeeze().steps(2) { step ->
          step.actNorm()
            .invertibleConv1x1(Conv1x1.LU_DECOMPOSED)
            .emergingConv(3)
            .affineCoupling(Mask.CHANNELS, Conditioners.convNet(16), AffineScale.sigmoid())
        }
      }
      .base(Bases.diagonalGaussian())
      .build()

    assertThat(emerging).isEqualTo(Presets.emerging(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(2).width(16).build())
    assertThat(emerging).isNotEqualTo(Presets.glow(Shape.of(28, 28, 1)).levels(2).stepsPerLevel(2).width(16).build())
    assertThat(Flows.shapes(emerging).last()).isEqualTo(Shape.of(7, 7, 8))
  }

  @Test
  fun everyStepsBuilderMethodFromKotlin() {
    val spec = Flows.sequential(Shape.of(8, 8, 2))
      .steps(1) {
        it.actNorm()
          .additiveCoupling(Mask.CHECKERBOARD, Conditioners.convNet(4))
          .additiveCoupling(Conditioners.convNet(4))
          .affineCoupling(Mask.CHANNELS_FLIPPED, Conditioners.convNet(4))
          .affineCoupling(Mask.CHECKERBOARD_FLIPPED, Conditioners.convNet(4), AffineScale.expSoftClamp(3.0))
          .affineCoupling(Conditioners.convNet(4).kernelSize(5).activation(Activation.ELU))
          .invertibleConv1x1(Conv1x1.PLAIN)
          .reverse()
          .shuffle(7L)
          .squeeze()
          .squeeze(2)
          .factorOut()
          .steps(2) { inner -> inner.actNorm() }
          .stepsIndexed(2) { i, inner -> inner.shuffle(i.toLong()) }
          .add(ActNorm())
      }
      .stepsIndexed(2) { i, step -> step.affineCoupling(Mask.CHANNELS.flippedIf(i % 2 == 1), Conditioners.convNet(4)) }
      .add(Reverse())
      .base(Bases.diagonalGaussian())
      .build()

    assertThat(spec.layout()).isEqualTo(Layout.SEQUENTIAL)
    assertThat(spec.steps().map(StepSpec::kind)).containsExactly(
      "actNorm", "additiveCoupling", "additiveCoupling", "affineCoupling", "affineCoupling", "affineCoupling",
      "invertibleConv1x1", "reverse", "shuffle", "squeeze", "squeeze", "factorOut",
      "actNorm", "actNorm", "shuffle", "shuffle", "actNorm", "affineCoupling", "affineCoupling", "reverse",
    )
    assertThat(spec.steps()[2]).isEqualTo(AdditiveCoupling(Mask.CHANNELS, Conditioners.convNet(4)))
    assertThat(Flows.shapes(spec).last()).isEqualTo(Shape.of(2, 2, 16))
    assertThat(spec.base()).isInstanceOf(DiagonalGaussian::class.java)
  }

  @Test
  fun multiscaleLevelsFromKotlin() {
    val spec = Flows.multiscale(Shape.of(16, 16, 1))
      .level { it.squeeze().actNorm() }
      .levelsIndexed(2) { i, level -> level.squeeze().shuffle(i.toLong()) }
      .levels(1) { it.actNorm() }
      .base(Bases.standardLogistic())
      .build()

    assertThat(spec.layout()).isEqualTo(Layout.MULTISCALE)
    assertThat(spec.levels()).hasSize(4)
    assertThat(spec.steps().count { it is FactorOut }).isEqualTo(3)
    assertThat(Flows.shapes(spec).last()).isEqualTo(Shape.of(2, 2, 8))
  }

  @Test
  fun preprocessingFromKotlin() {
    val glow = Flows.multiscale(Shape.of(28, 28, 1))
      .dequantize(Dequantization.uniform(256)).logit(0.05)
      .levels(2) { it.squeeze().steps(2) { s -> s.actNorm().affineCoupling(Conditioners.convNet(8)) } }
      .build()
    val dequantization: Dequantization = glow.dequantization()
    val logit: LogitTransform = glow.logit()
    assertThat(dequantization).isEqualTo(UniformDequantization(256))
    assertThat((dequantization as UniformDequantization).bits()).isEqualTo(8)
    assertThat(logit).isEqualTo(LogitTransform.of(0.05)).isEqualTo(Logit(0.05))
    assertThat((logit as Logit).alpha()).isEqualTo(0.05)

    val density = Flows.sequential(Shape.of(2))
      .dequantize(Dequantization.none())
      .steps(2) { it.actNorm().affineCoupling(Conditioners.mlp(16)) }
      .build()
    assertThat(density.dequantization()).isEqualTo(NoDequantization())
    assertThat(density.logit()).isEqualTo(LogitTransform.none()).isEqualTo(NoLogit())

    val fiveBit = Flows.sequential(Shape.of(4, 4, 3))
      .dequantize(Dequantization.uniform(32))
      .logit(1e-6)
      .steps(1) { it.actNorm() }
      .build()
    assertThat(fiveBit.withPreprocessing(Dequantization.uniform(32), LogitTransform.of(1e-6))).isEqualTo(fiveBit)
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(fiveBit))).isEqualTo(fiveBit)

    val preprocessed = FlowSpec(
      Shape.of(2), Layout.SEQUENTIAL, listOf(LevelSpec(listOf(ActNorm()))), StandardNormal(),
      Dequantization.uniform(2), LogitTransform.none(),
    )
    assertThat(Flows.problems(preprocessed)).isEmpty()
    assertThatThrownBy { Flows.multiscale(Shape.of(4, 4, 1)).logit(0.5) }
      .isInstanceOf(IllegalArgumentException::class.java)
    assertThatThrownBy { Flows.sequential(Shape.of(2)).logit(0.05).steps(1) { it.actNorm() }.build() }
      .isInstanceOf(InvalidFlowSpecException::class.java)
      .hasMessageContaining("Dequantization.none()")
  }

  @Test
  fun presetsConditionersAndBases() {
    val presets = listOf(
      Presets.realNvp(Shape.of(2)).couplings(4).width(32).build(),
      Presets.realNvp(Shape.of(32, 32, 3)).couplings(2).width(16).build(),
      Presets.glow(Shape.of(32, 32, 3)).levels(3).stepsPerLevel(2).width(16).build(),
      Presets.nice(Shape.of(784)).couplings(4).width(64).build(),
      Presets.nice(Shape.of(28, 28, 1)).couplings(4).width(16).build(),
      Presets.residualFlow(Shape.of(2)).blocks(2).width(16).fcWidth(8).build(),
      Presets.maf(Shape.of(3)).layers(2).width(8).build(),
    )
    presets.forEach { assertThat(Flows.validate(it)).isSameAs(it) }

    val mlp: MlpConditioner = Conditioners.mlp(64, 64).activation(Activation.TANH).zeroInitLast(false)
    val conv: ConvNetConditioner = Conditioners.convNet(32).kernelSize(1).zeroInitLast()
    assertThat(mlp.hiddenWidths()).containsExactly(64, 64)
    assertThat(mlp.zeroInitLastLayer()).isFalse()
    assertThat(conv.kernelSize()).isEqualTo(1)
    val flowPlusPlus: AttentionConvNetConditioner =
      Conditioners.flowPlusPlus(16).blocks(2).heads(4).dropout(0.2).zeroInitLast(false).dataInitialization(false)
    assertThat(flowPlusPlus.heads()).isEqualTo(4)
    assertThat(flowPlusPlus.dropout()).isEqualTo(0.2)
    assertThat(flowPlusPlus.zeroInitLastLayer()).isFalse()
    assertThat(flowPlusPlus.dataInitialization()).isFalse()
    assertThat(AttentionConvNetConditioner(8, 1, 2, 0.2, true, true, ConvWeights.PLAIN))
      .isEqualTo(Conditioners.flowPlusPlus(8).heads(2))
    assertThat(Conditioners.flowPlusPlus(8).blocks(1).heads(2).weights(ConvWeights.WEIGHT_NORMALIZED).weights())
      .isEqualTo(ConvWeights.WEIGHT_NORMALIZED)
    assertThat(Flows.problems(Flows.sequential(Shape.of(4, 4, 2))
      .steps(1) { s -> s.affineCoupling(Mask.CHECKERBOARD, Conditioners.flowPlusPlus(8).heads(2)) }.build())).isEmpty()
    assertThat(Bases.standardNormal()).isEqualTo(StandardNormal())
    assertThat(Bases.diagonalGaussian()).isEqualTo(DiagonalGaussian())
    assertThat(Bases.standardLogistic()).isEqualTo(StandardLogistic())
  }

  @Test
  fun jsonRoundTripFromKotlin() {
    val spec = Presets.realNvp(Shape.of(28, 28, 1)).couplings(2).width(8).build()
    val json = FlowSpecJson.toJson(spec)
    assertThat(FlowSpecJson.fromJson(json)).isEqualTo(spec)
    assertThatThrownBy { FlowSpecJson.fromJson("{") }
      .isInstanceOf(IllegalArgumentException::class.java)
      .hasMessageStartingWith("Malformed flow spec JSON at line 1, column 2")
  }

  @Test
  fun recordsAndFactoriesFromKotlin() {
    val steps: List<StepSpec> = listOf(
      ActNorm(),
      AdditiveCoupling(Mask.HALF, MlpConditioner(listOf(8), Activation.RELU, true)),
      AffineCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8), AffineScale(AffineScale.Kind.EXP_SOFT_CLAMP, 2.0)),
      InvertibleConv1x1(Conv1x1.LU_DECOMPOSED),
      Reverse(),
      Shuffle(3L),
      FactorOut(),
    )
    val spec = Flows.validate(
      FlowSpec(Shape.copyOf(listOf(4)), Layout.SEQUENTIAL, listOf(LevelSpec(steps)), StandardNormal()),
    )
    assertThat(Flows.shapes(spec).map(Shape::toList)).endsWith(listOf(4), listOf(2))
    assertThat(Flows.problems(spec)).isEmpty()
    assertThat(ConvNetConditioner(8, 3, Activation.RELU, true)).isEqualTo(Conditioners.convNet(8))
    assertThat(Squeeze(2).logDetKind()).isEqualTo(LogDetKind.ZERO)
    assertThat(Squeeze(2).inverseKind()).isEqualTo(InverseKind.ANALYTIC)
    assertThat(Mask.CHANNELS.flipped().isFlipped()).isTrue()
    assertThat(Shape.of(28, 28, 1).rank()).isEqualTo(3)

    val invalid = FlowSpec(Shape.of(4), Layout.SEQUENTIAL, listOf(LevelSpec(listOf(Squeeze(2)))), StandardNormal())
    assertThatThrownBy { Flows.validate(invalid) }
      .isInstanceOf(InvalidFlowSpecException::class.java)
      .hasMessage(
        "Invalid flow spec (1 problem):\n" +
          "  steps[0] (squeeze): squeeze needs an image input [height, width, channels], but the input is [4].",
      )
    val problem: Problem = InvalidFlowSpecException(Flows.problems(invalid)).problems().single()
    assertThat(problem).isEqualTo(Problem("steps[0]", "squeeze", problem.message()))
    assertThat(problem.describe()).startsWith("steps[0] (squeeze): ")
  }

  @Test
  fun residualFlowFromKotlin() {
    val resflow = Flows.sequential(Shape.of(2))
      .steps(10) { step ->
        step.actNorm().residualBlock { b ->
          b.lipschitzMlp(128, 128, 128)
            .activation(Activation.LIPSWISH)
            .lipschitzCoeff(0.98)
            .logDet(LogDet.russianRoulette(0.5).exactTerms(2).neumannGradient())
            .inverse(Inverse.fixedPoint().atol(1e-5).maxIterations(100))
        }
      }
      .build()
    assertThat(resflow.steps()).hasSize(20)
    assertThat(Flows.shapes(resflow)).containsOnly(Shape.of(2))

    val everyMethod = Flows.sequential(Shape.of(4, 4, 2))
      .steps(1) {
        it.residualBlock { b ->
          b.lipschitzConvNet(8)
            .lipschitzMlp(16)
            .branch(LipschitzConvNet(8, false))
            .activation(Activation.SOFTPLUS)
            .spectralNormalization(SpectralNormalization(0.9, 1e-4, 5))
            .lipschitzCoeff(0.95)
            .logDet(LogDet.truncatedSeries(4).neumannGradient().backpropGradient())
            .evaluationLogDet(LogDet.russianRoulettePoisson(2.0).exactTerms(20).backpropGradient().neumannGradient())
            .inverse(Inverse.fixedPoint().atol(0.0).rtol(1e-6).maxIterations(200))
            .seriesPrecision(SeriesPrecision.FULL)
        }
      }
      .build()
    val block = everyMethod.steps().single() as ResidualBlock
    val branch: ResidualBranch = block.branch()
    val training: LogDetEstimator = block.logDet()
    assertThat(branch).isEqualTo(LipschitzConvNet(8, false))
    assertThat(block.activation()).isEqualTo(Activation.SOFTPLUS)
    assertThat(block.lipschitz()).isEqualTo(SpectralNormalization(0.95, 1e-4, 5))
    assertThat(training).isEqualTo(TruncatedSeries(4, GradientMode.BACKPROP))
    assertThat(block.evaluationLogDet())
      .isEqualTo(RussianRoulette(TermDistribution.POISSON, 2.0, 20, GradientMode.NEUMANN))
    assertThat(block.inverse()).isEqualTo(FixedPointInverse(0.0, 1e-6, 200))
    assertThat(block.seriesPrecision()).isEqualTo(SeriesPrecision.FULL)
    assertThat(ResidualBlockBuilder().lipschitzMlp(8).seriesPrecision(SeriesPrecision.BFLOAT16).build().seriesPrecision())
      .isEqualTo(SeriesPrecision.BFLOAT16)
    assertThat(block.logDetKind()).isEqualTo(LogDetKind.ESTIMATED)
    assertThat(block.inverseKind()).isEqualTo(InverseKind.ITERATIVE)

    val standalone: ResidualBlock = ResidualBlockBuilder().lipschitzMlp(8).logDet(LogDet.exact()).build()
    assertThat(standalone.evaluationLogDet()).isEqualTo(ExactLogDet())
    assertThat(standalone.logDetKind()).isEqualTo(LogDetKind.EXACT)
    assertThat(ExactLogDet.MAX_FEATURES).isEqualTo(64)
    assertThat(FixedPointInverse.defaults()).isEqualTo(Inverse.fixedPoint())
    assertThat(SpectralNormalization.defaults().withCoeff(0.5).coeff()).isEqualTo(0.5)
    assertThat(SpectralNormalization.defaults().withLearnedOrders().learnedOrders()).isTrue()
    assertThat((LipschitzMlp(listOf(4, 4)) as ResidualBranch)).isEqualTo(LipschitzMlp(listOf(4, 4)))
    assertThat(TermDistribution.entries).containsExactly(TermDistribution.GEOMETRIC, TermDistribution.POISSON)

    val presets = listOf(Presets.residualFlow(Shape.of(2)).blocks(4).width(32).build(), Presets.residualFlow(Shape.of(28, 28, 1)).blocks(2).width(16).build())
    presets.forEach { assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(it))).isEqualTo(it) }
    assertThat(Flows.shapes(presets[1]).last()).isEqualTo(Shape.of(7, 7, 16))

    assertThatThrownBy { Flows.sequential(Shape.of(2)).steps(1) { it.residualBlock { b -> b.lipschitzCoeff(0.9) } } }
      .isInstanceOf(IllegalStateException::class.java)
      .hasMessage("a residual block needs a branch: call lipschitzMlp(widths...) or lipschitzConvNet(width)")
    assertThatThrownBy {
      Flows.sequential(Shape.of(2)).steps(1) { it.residualBlock { b -> b.lipschitzMlp(8).lipschitzCoeff(1.05) } }.build()
    }
      .isInstanceOf(InvalidFlowSpecException::class.java)
      .hasMessage(
        "Invalid flow spec (1 problem):\n" +
          "  steps[0] (residualBlock): lipschitzCoeff must be in (0, 1) for x + g(x) to be invertible, but was 1.05.",
      )
  }

  @Test
  fun autoregressiveFlowsFromKotlin() {
    val spec = Flows.sequential(Shape.of(3))
      .steps(2) { step ->
        step.maf(16, 16).reverse()
          .maf(AutoregressiveOrder.random(7L), 8)
          .iaf(8)
          .iaf(AutoregressiveOrder.reversed(), 4, 4)
          .invertibleConv1x1(Conv1x1.QR)
      }
      .build()
    assertThat(spec.steps().map { it.kind() }.take(6))
      .containsExactly("maf", "reverse", "maf", "iaf", "iaf", "invertibleConv1x1")
    val iaf = spec.steps()[4] as MaskedAutoregressive
    assertThat(iaf.direction()).isEqualTo(AutoregressiveDirection.IAF)
    assertThat(iaf.order()).isEqualTo(AutoregressiveOrder(AutoregressiveOrder.Kind.REVERSED, 0L))
    assertThat((iaf.conditioner() as MlpConditioner).hiddenWidths()).containsExactly(4, 4)
    assertThat(iaf.logDetKind()).isEqualTo(LogDetKind.EXACT)
    assertThat(iaf.inverseKind()).isEqualTo(InverseKind.ANALYTIC)
    assertThat(AutoregressiveOrder.natural().visitingOrder(3)).containsExactly(0, 1, 2)
    assertThat(Conv1x1.entries).contains(Conv1x1.QR)

    val maf = Presets.maf(Shape.of(2)).layers(4).width(32).build()
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(maf))).isEqualTo(maf)
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec)
    assertThatThrownBy { Flows.sequential(Shape.of(4, 4, 1)).steps(1) { it.iaf(8) }.build() }
      .isInstanceOf(InvalidFlowSpecException::class.java)
      .hasMessage(
        "Invalid flow spec (1 problem):\n" +
          "  steps[0] (iaf): iaf is not supported on an image ([4, 4, 1]): its density pass would run pixel by " +
          "pixel in a graph loop that carries no gradient, so it could not be trained. Use " +
          "maf(Conditioners.pixelCnn(width).layers(n)), whose density pass is one network evaluation.",
      )
  }

  @Test
  fun pixelCnnAutoregressiveFlowsFromKotlin() {
    val pixelCnn: PixelCnnConditioner =
      Conditioners.pixelCnn(16).layers(3).kernelSize(5).activation(Activation.TANH).zeroInitLast(false)
    val spec = Flows.sequential(Shape.of(6, 6, 1))
      .steps(2) { step ->
        step.maf(pixelCnn).maf(AutoregressiveOrder.reversed(), Conditioners.pixelCnn(8).layers(2).zeroInitLast())
      }
      .build()
    val maf = spec.steps()[1] as MaskedAutoregressive
    assertThat(maf.conditioner()).isEqualTo(PixelCnnConditioner(8, 2, 3, Activation.RELU, true))
    assertThat(maf.order()).isEqualTo(AutoregressiveOrder.reversed())
    assertThat(pixelCnn.width() + pixelCnn.layers() + pixelCnn.kernelSize()).isEqualTo(24)
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec)
    val vector = Flows.sequential(Shape.of(3))
      .steps(1) {
        it.maf(Conditioners.mlp(8)).iaf(AutoregressiveOrder.reversed(), Conditioners.mlp(4, 4))
          .iaf(Conditioners.mlp(2))
      }
      .build()
    assertThat(vector.steps().map { it.kind() }).containsExactly("maf", "iaf", "iaf")
  }

  @Test
  fun mixtureLogisticsCouplingFromKotlin() {
    val spec = Flows.sequential(Shape.of(4, 4, 2))
      .steps(2) { step -> step.actNorm().mixtureLogisticsCoupling(Mask.CHECKERBOARD, Conditioners.convNet(8), 4) }
      .build()
    val coupling = spec.steps()[1] as MixtureLogisticsCoupling
    assertThat(coupling.components()).isEqualTo(4)
    assertThat(coupling.logScaleBound(3.0).inverse(1e-9, 50).maxIterations()).isEqualTo(50)
    assertThat(coupling.parametersPerScalar()).isEqualTo(14)
  }

  @Test
  fun generalCouplingAndTransformsFromKotlin() {
    val spec = Flows.sequential(Shape.of(4))
      .stepsIndexed(3) { i, step ->
        val transform: CouplingTransform = when (i) {
          0 -> Transforms.additive()
          1 -> Transforms.affine(AffineScale.sigmoid())
          else -> Transforms.mixtureLogistics(3).logScaleBound(4.0).inverse(1e-9, 50)
        }
        step.coupling(Mask.HALF.flippedIf(i % 2 == 1), Conditioners.mlp(8), transform)
      }
      .build()
    val couplings = spec.steps().map { it as Coupling }
    assertThat(couplings.map { it.transform().kind() }).containsExactly("additive", "affine", "mixtureLogistics")
    assertThat(couplings[0].transform()).isInstanceOf(AdditiveTransform::class.java)
    assertThat((couplings[1].transform() as AffineTransform).scale()).isEqualTo(AffineScale.sigmoid())
    val mixture = couplings[2].transform() as MixtureOfLogisticsTransform
    assertThat(mixture.maxIterations()).isEqualTo(50)
    assertThat(mixture.parametersPerScalar()).isEqualTo(11)
    val named: CouplingStep = AffineCoupling(Mask.HALF, Conditioners.mlp(8), AffineScale.expSoftClamp(2.0))
    assertThat(named.transform()).isEqualTo(Transforms.affine())
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec)
  }

  @Test
  fun conditionalFlowsAndLearnedPriorsFromKotlin() {
    val glow = Flows.multiscale(Shape.of(8, 8, 1))
      .context(Contexts.classes(10).embedding(8).encodedBy(ContextEncoder.mlp(16, 32)))
      .factorOutPrior(FactorOutPrior.LEARNED)
      .levels(2) { it.squeeze().steps(1) { s -> s.actNorm().affineCoupling(Mask.CHANNELS, Conditioners.convNet(8)) } }
      .build()
    val context = glow.context() as ClassContext
    assertThat(context.classes()).isEqualTo(10)
    assertThat(context.conditionFeatures()).isEqualTo(16)
    assertThat((context.encoder() as MlpEncoder).hiddenWidths()).containsExactly(32)
    assertThat(glow.steps().filterIsInstance<FactorOut>().map { it.prior() }).containsExactly(FactorOutPrior.LEARNED)
    val vector = Flows.sequential(Shape.of(2))
      .context(Contexts.features(3))
      .steps(2) { it.affineCoupling(Mask.HALF, Conditioners.mlp(8)).maf(8) }
      .build()
    val features: ContextSpec = vector.context()
    assertThat(features).isEqualTo(FeatureContext(3, NoEncoder()))
    assertThat(features.isConditional).isTrue()
    assertThat(ContextSpec.none().inputWidth()).isEqualTo(0)
    assertThat(NoContext().conditionFeatures()).isEqualTo(0)
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(glow))).isEqualTo(glow)
  }

  @Test
  fun splineCouplingsAndAutoregressiveSplinesFromKotlin() {
    val spline: RationalQuadraticSpline = Transforms.spline().bins(6).bound(4.0).minBinWidth(1e-2)
      .minBinHeight(1e-2).minDerivative(1e-2)
    val vectors = Flows.sequential(Shape.of(4))
      .steps(1) { step ->
        step.splineCoupling(Conditioners.mlp(8))
          .splineCoupling(Conditioners.mlp(8), spline)
          .splineCoupling(Mask.HALF_FLIPPED, Conditioners.mlp(8))
          .splineCoupling(Mask.HALF, Conditioners.mlp(8), spline)
          .maf(AutoregressiveOrder.natural(), Conditioners.mlp(8), spline)
          .iaf(AutoregressiveOrder.reversed(), Conditioners.mlp(8), Transforms.spline())
      }
      .build()
    assertThat(vectors.steps().map { it.kind() })
      .containsExactly("coupling", "coupling", "coupling", "coupling", "maf", "iaf")
    assertThat((vectors.steps()[1] as Coupling).transform()).isEqualTo(spline)
    assertThat((vectors.steps()[0] as Coupling).transform()).isEqualTo(RationalQuadraticSpline.defaults())
    assertThat((vectors.steps()[4] as MaskedAutoregressive).transform().kind()).isEqualTo("rationalQuadraticSpline")
    assertThat(spline.parametersPerScalar()).isEqualTo(17)
    assertThat(spline.logDetKind()).isEqualTo(LogDetKind.EXACT)
    assertThat(spline.inverseKind()).isEqualTo(InverseKind.ANALYTIC)
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(vectors))).isEqualTo(vectors)
    val images = Presets.neuralSplineFlow(Shape.of(8, 8, 1)).levels(2).stepsPerLevel(2).width(8).build()
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(images))).isEqualTo(images)
    val tabular = Presets.neuralSplineFlow(Shape.of(2)).steps(4).width(16).build()
    assertThat(tabular.steps().map { it.kind() }).contains("coupling")
  }

  @Test
  fun hoogeboomConvolutionsFromKotlin() {
    val spec = Flows.sequential(Shape.of(4, 4, 2))
      .steps(2) { step -> step.actNorm().emergingConv(3).periodicConv(3) }
      .build()
    assertThat(spec.steps().map { it.kind() }.take(3)).containsExactly("actNorm", "emergingConv", "periodicConv")
    val emerging = spec.steps()[1] as EmergingConv
    val periodic = spec.steps()[2] as PeriodicConv
    assertThat(emerging.kernelSize()).isEqualTo(3)
    assertThat(periodic.kernelSize()).isEqualTo(3)
    assertThat(emerging.logDetKind()).isEqualTo(LogDetKind.CONSTANT)
    assertThat(FlowSpecJson.fromJson(FlowSpecJson.toJson(spec))).isEqualTo(spec)
    assertThatThrownBy { Flows.sequential(Shape.of(2, 2, 1)).steps(1) { it.periodicConv(3) }.build() }
      .isInstanceOf(InvalidFlowSpecException::class.java)
      .hasMessage(
        "Invalid flow spec (1 problem):\n" +
          "  steps[0] (periodicConv): periodicConv's kernel must fit in the image (kernelSize ≤ min(h, w)), " +
          "but kernelSize was 3 and the input is [2, 2, 1]. Use a smaller kernel or move the step before squeeze().",
      )
  }
}
