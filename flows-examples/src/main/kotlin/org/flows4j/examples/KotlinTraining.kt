package org.flows4j.examples

import java.nio.file.Path
import org.flows4j.api.Shape
import org.flows4j.tf.data.ConditionalBatch
import org.flows4j.tf.data.ConditionalDataSource
import org.flows4j.tf.data.DataSource
import org.flows4j.tf.training.Evaluation
import org.flows4j.tf.training.RunOptions
import org.flows4j.tf.training.StepReport
import org.flows4j.tf.training.Trainer
import org.flows4j.tf.training.TrainingListener
import org.flows4j.tf.training.TrainingOptions
import org.flows4j.tf.training.TrainingRun

// Kotlin entry points to the training API where named arguments read better than Java builders. Small on purpose:
// copy this file, or depend on flows-examples.

/**
 * [RunOptions] with named arguments; the defaults are the builder's. Kotlin only (hidden from Java, where
 * `RunOptions.builder()` names each setting): positionally, steps and batch size could be swapped silently.
 */
@JvmSynthetic
fun runOptions(
  steps: Long,
  batchSize: Int = 64,
  evaluateEvery: Int = 0,
  checkpointEvery: Int = 0,
  checkpointDirectory: Path? = null,
): RunOptions {
  val builder = RunOptions.builder().steps(steps).batchSize(batchSize).evaluateEvery(evaluateEvery)
    .checkpointEvery(checkpointEvery)
  checkpointDirectory?.let { builder.checkpointDirectory(it) }
  return builder.build()
}

/** [TrainingOptions] from a block over its builder: `trainingOptions { learningRate(1e-3); emaDecay(0.999) }`. */
fun trainingOptions(configure: TrainingOptions.Builder.() -> Unit = {}): TrainingOptions =
  TrainingOptions.builder().apply(configure).build()

/** Held-out examples of [shape] from a row-major array; the count follows from its length. */
fun heldOut(values: FloatArray, shape: Shape): TrainingRun.HeldOut {
  require(values.isNotEmpty() && values.size % shape.size() == 0) {
    "held-out values must be whole examples of shape $shape (a multiple of ${shape.size()} floats), " +
      "but there are ${values.size}"
  }
  return TrainingRun.HeldOut(values, values.size / shape.size())
}

/**
 * [TrainingRun.run] with lambdas instead of a [TrainingListener]: [onEvaluation] after each held-out evaluation,
 * [onStep] after each optimizer update. Returns the evaluations.
 */
fun Trainer.fit(
  data: DataSource,
  heldOut: TrainingRun.HeldOut?,
  options: RunOptions,
  onStep: (StepReport) -> Unit = {},
  onEvaluation: (Evaluation) -> Unit = {},
): List<Evaluation> =
  TrainingRun.run(this, data, heldOut, options, listenerOf(onStep, onEvaluation))

/**
 * The same for a conditional flow p(x | c): [data] yields (x, c) pairs and [heldOut] is scored as -log p(x | c).
 */
fun Trainer.fit(
  data: ConditionalDataSource,
  heldOut: ConditionalBatch?,
  options: RunOptions,
  onStep: (StepReport) -> Unit = {},
  onEvaluation: (Evaluation) -> Unit = {},
): List<Evaluation> =
  TrainingRun.run(this, data, heldOut, options, listenerOf(onStep, onEvaluation))

/** A [TrainingListener] that calls the two lambdas. */
private fun listenerOf(onStep: (StepReport) -> Unit, onEvaluation: (Evaluation) -> Unit): TrainingListener =
  object : TrainingListener {
    override fun onStep(report: StepReport) = onStep(report)

    override fun onEvaluation(evaluation: Evaluation) = onEvaluation(evaluation)
  }
