package org.flows4j.examples

import java.util.SplittableRandom
import java.nio.file.Path
import java.util.Optional
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.assertj.core.api.Assertions.within
import org.flows4j.api.FlowSpec
import org.flows4j.api.Presets
import org.flows4j.tf.ImportanceSamples
import org.flows4j.api.Shape
import org.flows4j.api.context.Contexts
import org.flows4j.tf.data.ConditionalBatch
import org.flows4j.tf.data.ConditionalDataSource
import org.flows4j.tf.data.ConditionalToyDataSource
import org.flows4j.tf.data.DataSource
import org.flows4j.tf.data.DataSources
import org.flows4j.tf.data.LabelledEightGaussians
import org.flows4j.tf.export.FlowModel
import org.flows4j.tf.training.Evaluation
import org.flows4j.tf.training.LearningRateSchedule
import org.flows4j.tf.training.Optimizer
import org.flows4j.tf.training.RunOptions
import org.flows4j.tf.training.StepReport
import org.flows4j.tf.training.Trainer
import org.flows4j.tf.training.TrainingListener
import org.flows4j.tf.training.TrainingOptions
import org.flows4j.tf.training.TrainingRun
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/**
 * The training and export API as Kotlin sees it (the DSL's counterpart is flows-api's KotlinDslTest): Trainer,
 * TrainingOptions, RunOptions, TrainingRun with a listener object, DataSource implemented in Kotlin and from
 * DataSources, FlowModel, and the named-argument helpers of KotlinTraining.kt. It must compile, and each call is
 * checked for what it returns.
 */
class KotlinTrainingApiTest {
  @TempDir
  lateinit var dir: Path

  private val shape: Shape = Shape.of(2)
  private val spec: FlowSpec = Presets.realNvp(shape).couplings(2).width(8).build()

  /** A data source written in Kotlin: batch `index` is a pure function of the index, as the interface asks. */
  private val circle = object : DataSource {
    override fun shape(): Shape = shape

    override fun batch(index: Long, size: Int): FloatArray = LibraryExample.noisyRing(size, 1000 + index)
  }

  @Test
  fun `options read the same through builders and named arguments`() {
    val built: TrainingOptions = TrainingOptions.builder().optimizer(Optimizer.ADAMAX).learningRate(2e-3)
      .schedule(LearningRateSchedule.COSINE).totalSteps(100).emaDecay(0.9).seed(3).build()
    val viaBlock = trainingOptions {
      optimizer(Optimizer.ADAMAX); learningRate(2e-3); schedule(LearningRateSchedule.COSINE); totalSteps(100)
      emaDecay(0.9); seed(3)
    }
    assertThat(viaBlock).isEqualTo(built)
    assertThat(built.toBuilder().seed(4).build()).isEqualTo(built.withSeed(4))
    assertThat(TrainingOptions.defaults().usesEma()).isFalse()

    val run: RunOptions = runOptions(steps = 30, batchSize = 16, evaluateEvery = 10, checkpointDirectory = dir)
    assertThat(run).isEqualTo(RunOptions.builder().steps(30).batchSize(16).evaluateEvery(10)
      .checkpointDirectory(dir).build())
    assertThat(run.checkpointDirectory()).isEqualTo(Optional.of(dir))
    assertThat(runOptions(steps = 5).checkpointDirectory()).isEmpty()
    assertThat(run.toBuilder().steps(40).build().steps()).isEqualTo(40L)

    assertThat(heldOut(FloatArray(6), shape).count()).isEqualTo(3)
    assertThatThrownBy { heldOut(FloatArray(5), shape) }
      .hasMessage("held-out values must be whole examples of shape [2] (a multiple of 2 floats), but there are 5")
  }

  @Test
  fun `a Kotlin run trains with a listener, resumes, exports and loads back`() {
    val test = heldOut(LibraryExample.noisyRing(200, 9), shape)
    val steps = mutableListOf<Long>()
    val evaluations = mutableListOf<Evaluation>()
    val checkpoints = dir.resolve("checkpoints")
    Trainer.create(spec, trainingOptions { learningRate(3e-3); seed(1) }).use { trainer ->
      val listener = object : TrainingListener {
        override fun onStep(report: StepReport) {
          steps.add(report.step())
        }

        override fun onEvaluation(evaluation: Evaluation) {
          evaluations.add(evaluation)
        }
      }
      TrainingRun.run(trainer, circle, test, runOptions(steps = 10, batchSize = 64, evaluateEvery = 5,
        checkpointDirectory = checkpoints), listener)
      assertThat(trainer.steps()).isEqualTo(10L)
      assertThat(trainer.batches()).isEqualTo(10L)
    }
    assertThat(steps).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L)
    assertThat(evaluations.map { it.step() }).containsExactly(5L, 10L)

    val savedModel = dir.resolve("saved_model")
    val last = Trainer.resume(checkpoints).use { trainer ->
      assertThat(trainer.spec()).isEqualTo(spec)
      val more = trainer.fit(DataSources.ofArray(LibraryExample.noisyRing(512, 3), shape), test,
        runOptions(steps = 15, batchSize = 64), onEvaluation = { evaluations.add(it) })
      assertThat(more.map { it.step() }).containsExactly(15L)
      val report = trainer.step(circle.batch(trainer.batches(), 64), 64)
      assertThat(report.applied()).isTrue()
      assertThat(trainer.sample(3, 1.0, 5L)).hasSize(6)
      trainer.exportSavedModel(savedModel)
      trainer.evaluate(test.values(), test.count())
    }

    FlowModel.load(savedModel).use { model ->
      assertThat(model.spec()).isEqualTo(spec)
      val logProb = model.logProb(test.values(), test.count())
      assertThat(logProb).hasSize(200)
      assertThat(-logProb.average()).isCloseTo(last.negativeLogLikelihood(), within(1e-4))
      val bits = model.bitsPerDim(test.values(), test.count())
      assertThat(bits[0].toDouble()).isCloseTo(-logProb[0] / (2 * Math.log(2.0)), within(1e-5))
      assertThat(model.logProbImportanceWeighted(test.values(), test.count(), ImportanceSamples.of(1))).containsExactly(*logProb)
      val samples = model.sample(4, 1.0, 7L)
      assertThat(samples).hasSize(8).containsExactly(*model.sample(4, 1.0, 7L))
      val back = model.decode(model.encode(samples, 4), 4)
      for (i in samples.indices) {
        assertThat(back[i]).isCloseTo(samples[i], within(1e-4f))
      }
    }
  }

  /** (x, c) pairs written in Kotlin: the labelled 8 Gaussians, batch `index` a pure function of the index. */
  private val labelled = object : ConditionalDataSource {
    override fun shape(): Shape = shape

    override fun contextWidth(): Int = 1

    override fun batch(index: Long, size: Int): ConditionalBatch = LabelledEightGaussians().sample(size, SplittableRandom(500 + index))
  }

  @Test
  fun `a conditional Kotlin run trains on pairs, evaluates and samples given c, exports and loads back`() {
    val conditional: FlowSpec = Presets.realNvp(shape).couplings(4).width(32).build()
      .withContext(Contexts.classes(LabelledEightGaussians.CLASSES).embedding(8))
    val test: ConditionalBatch = LabelledEightGaussians().sample(400, SplittableRandom(77))
    val savedModel = dir.resolve("conditional_model")
    val classThree = FloatArray(64) { 3f }
    val evaluations = mutableListOf<Evaluation>()
    val (trained, samples) = Trainer.create(conditional, trainingOptions { learningRate(3e-3); seed(2) }).use { trainer ->
      assertThat(trainer.isConditional()).isTrue()
      val before = trainer.evaluate(test).negativeLogLikelihood()
      trainer.fit(labelled, test, runOptions(steps = 60, batchSize = 256, evaluateEvery = 30),
        onEvaluation = { evaluations.add(it) })
      trainer.fit(ConditionalToyDataSource(LabelledEightGaussians(), 4), null, runOptions(steps = 250, batchSize = 256))
      val fromArrays = DataSources.ofArrays(test.x(), shape, test.context(), 5L)
      assertThat(trainer.step(fromArrays.batch(0, 64)).applied()).isTrue()
      val pairs = labelled.batch(999, 64)
      assertThat(trainer.step(pairs.x(), pairs.context(), 64).applied()).isTrue()
      val after = trainer.evaluate(test.x(), test.context(), test.size())
      assertThat(after.negativeLogLikelihood()).isLessThan(before - 1.0)
      assertThat(trainer.evaluate(test.x(), test.context(), test.size(), ImportanceSamples.of(1)).negativeLogLikelihood())
        .isCloseTo(after.negativeLogLikelihood(), within(1e-9))
      val drawn = trainer.sample(64, classThree, 1.0, 7L)
      trainer.exportSavedModel(savedModel)
      Pair(after, drawn)
    }
    assertThat(evaluations.map { it.step() }).containsExactly(30L, 60L)
    // Samples given class 3 gather around its centre (the centres are 2.16 apart): their mean within 0.8 of it.
    val centre = LabelledEightGaussians.centre(3)
    println("Kotlin conditional run: held-out NLL ${trained.negativeLogLikelihood()}, class-3 sample mean " +
      "(${(0 until 64).map { samples[2 * it] }.average()}, ${(0 until 64).map { samples[2 * it + 1] }.average()})" +
      " vs centre (${centre[0]}, ${centre[1]})")
    assertThat((0 until 64).map { samples[2 * it] }.average()).isCloseTo(centre[0], within(0.8))
    assertThat((0 until 64).map { samples[2 * it + 1] }.average()).isCloseTo(centre[1], within(0.8))

    FlowModel.load(savedModel).use { model ->
      assertThat(model.isConditional()).isTrue()
      assertThat(model.spec()).isEqualTo(conditional)
      val logProb = model.logProb(test.x(), test.context(), test.size())
      assertThat(-logProb.average()).isCloseTo(trained.negativeLogLikelihood(), within(1e-4))
      val bits = model.bitsPerDim(test.x(), test.context(), test.size())
      assertThat(bits[0].toDouble()).isCloseTo(-logProb[0] / (2 * Math.log(2.0)), within(1e-5))
      assertThat(model.logProbImportanceWeighted(test.x(), test.context(), test.size(), ImportanceSamples.of(1)))
        .containsExactly(*logProb)
      assertThat(model.sample(64, classThree, 1.0, 7L)).containsExactly(*samples)
      val back = model.decode(model.encode(samples, classThree, 64), classThree, 64)
      for (i in samples.indices) {
        assertThat(back[i]).isCloseTo(samples[i], within(1e-4f))
      }
      assertThatThrownBy { model.logProb(test.x(), test.size()) }.isInstanceOf(IllegalArgumentException::class.java)
    }
  }
}
