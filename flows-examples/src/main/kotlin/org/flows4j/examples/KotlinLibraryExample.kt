package org.flows4j.examples

import java.nio.file.Path
import java.util.SplittableRandom
import org.flows4j.api.Flows
import org.flows4j.api.Shape
import org.flows4j.api.conditioner.Conditioners
import org.flows4j.api.data.Dequantization
import org.flows4j.api.step.Mask
import org.flows4j.tf.data.DataSources
import org.flows4j.tf.export.FlowModel
import org.flows4j.tf.training.Trainer

/**
 * flows4j as a library, from Kotlin: declare a flow for 8-bit greyscale images, train it on in-memory images with a
 * held-out set and a listener, export it, load it back with [FlowModel] and score it in bits per dimension. Uses the
 * named-argument helpers of `KotlinTraining.kt`. The README shows this file verbatim (a test keeps them identical).
 *
 * Run: `java -cp … org.flows4j.examples.KotlinLibraryExample [steps] [output folder]`.
 */
object KotlinLibraryExample {
  /** Held-out bits per dimension before and after training, and as the reloaded model scores them. */
  data class Outcome(val bitsBefore: Double, val bitsAfter: Double, val bitsReloaded: Double)

  @JvmStatic
  fun main(args: Array<String>) {
    val steps = args.getOrNull(0)?.toLong() ?: 500L
    val out = Path.of(args.getOrNull(1) ?: "out/kotlin-library-example")
    val outcome = run(steps, out)
    println("held-out bits/dim: %.4f before training, %.4f after, %.4f from the reloaded model"
      .format(outcome.bitsBefore, outcome.bitsAfter, outcome.bitsReloaded))
  }

  @JvmStatic
  fun run(steps: Long, out: Path): Outcome {
    // Images are row-major [n, height, width, channels]; pixels are whole numbers 0–255 stored as floats, which is
    // what dequantize(uniform(256)) expects.
    val shape = Shape.of(8, 8, 1)
    val train = stripes(2048, seed = 1)
    val test = stripes(256, seed = 2)

    val spec = Flows.sequential(shape)
      .dequantize(Dequantization.uniform(256)).logit(0.05)
      .stepsIndexed(4) { i, step ->
        step.actNorm().affineCoupling(Mask.CHECKERBOARD.flippedIf(i % 2 == 1), Conditioners.convNet(16))
      }
      .build()

    val savedModel = out.resolve("saved_model")
    val (before, after) = Trainer.create(spec, trainingOptions { learningRate(1e-3); seed(0) }).use { trainer ->
      val initial = trainer.evaluate(test, 256).bitsPerDim()
      val evaluations = trainer.fit(
        data = DataSources.ofArray(train, shape, 0),
        heldOut = heldOut(test, shape),
        options = runOptions(steps = steps, batchSize = 32, evaluateEvery = maxOf(1, steps / 5).toInt()),
        onEvaluation = { println("step ${it.step()}: held-out %.4f bits/dim".format(it.bitsPerDim())) },
      )
      trainer.exportSavedModel(savedModel)
      initial to evaluations.last().bitsPerDim()
    }

    return FlowModel.load(savedModel).use { model ->
      val bits = model.bitsPerDim(test, 256) // one figure per image
      val samples = model.sample(4, 0.7, 42L) // [4, 8, 8, 1], whole pixel values 0–255
      // encode gives latents [n, 64]; decode returns continuous values: round them to get pixels back.
      val pixels = model.decode(model.encode(test, 256), 256).map { Math.round(it).toFloat() }
      val exact = pixels.indices.count { pixels[it] == test[it] }
      println("first sample row: ${samples.take(8).map { it.toInt() }}; $exact of ${test.size} pixels decoded exactly")
      Outcome(before, after, bits.average())
    }
  }

  /**
   * [n] 8×8 greyscale images, pixel values 0–255 as floats, row-major: a bright diagonal stripe at a random offset,
   * with noise.
   */
  private fun stripes(n: Int, seed: Long): FloatArray {
    val random = SplittableRandom(seed)
    val pixels = FloatArray(n * 64)
    for (i in 0 until n) {
      val offset = random.nextInt(8)
      for (row in 0 until 8) {
        for (col in 0 until 8) {
          val bright = (row + col + offset) % 8 < 3
          pixels[i * 64 + row * 8 + col] = ((if (bright) 200 else 40) + random.nextInt(-30, 31)).toFloat()
        }
      }
    }
    return pixels
  }
}
