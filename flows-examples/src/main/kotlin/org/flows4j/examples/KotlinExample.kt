package org.flows4j.examples

import java.util.SplittableRandom
import java.nio.file.Path
import org.flows4j.api.FlowSpec
import org.flows4j.api.Flows
import org.flows4j.api.Shape
import org.flows4j.api.conditioner.Conditioners
import org.flows4j.api.step.Mask
import org.flows4j.tf.data.ToyDensity
import org.flows4j.tf.export.FlowModel
import org.flows4j.tf.training.Trainer
import org.flows4j.tf.training.TrainingOptions

/**
 * flows4j from Kotlin: the DSL's lambdas come last, so a flow reads as nested blocks. Declares a RealNVP-style
 * flow on the eight-Gaussians density, trains it briefly, and exports it.
 *
 * Run with `java -cp … org.flows4j.examples.KotlinExample [output folder]`.
 */
object KotlinExample {
  private const val BATCH = 256
  private const val HELD_OUT = 2000

  @JvmStatic
  fun main(args: Array<String>) {
    val savedModel = if (args.isNotEmpty()) Path.of(args[0]) else Path.of("out", "kotlin-example")
    val nll = train(savedModel, steps = 1500, couplings = 8, width = 64)
    println("held-out NLL %.4f nats; exported to %s".format(nll, savedModel))
    FlowModel.load(savedModel).use { model ->
      val samples = model.sample(5, 1.0, 7)
      println("5 samples: " + samples.toList().chunked(2).joinToString { (x, y) -> "(%.2f, %.2f)".format(x, y) })
    }
  }

  /**
   * [couplings] × (actNorm, affine coupling of the second coordinate given the first, swap the two): `reverse()`
   * does the alternation that RealNVP's flipped masks do.
   */
  @JvmSynthetic // Kotlin only, called with named arguments: Java sees no two adjacent ints (PositionalNumbersTest)
  fun flow(couplings: Int, width: Int): FlowSpec =
    Flows.sequential(Shape.of(2))
      .steps(couplings) { step ->
        step.actNorm()
          .affineCoupling(Mask.HALF, Conditioners.mlp(width, width))
          .reverse()
      }
      .build()

  /** Trains for [steps] batches, exports to [savedModel], and returns the held-out NLL in nats. */
  @JvmSynthetic // Kotlin only, as flow()
  fun train(savedModel: Path, steps: Int, couplings: Int, width: Int): Double {
    val density = ToyDensity.EIGHT_GAUSSIANS
    val heldOut = density.sampleFlat(HELD_OUT, SplittableRandom(-1L))
    val options = TrainingOptions.builder().learningRate(3e-3).seed(1).build()
    return Trainer.create(flow(couplings, width), options).use { trainer ->
      for (step in 0 until steps) {
        trainer.step(density.sampleFlat(BATCH, SplittableRandom(step.toLong())), BATCH)
      }
      val nll = trainer.evaluate(heldOut, HELD_OUT).negativeLogLikelihood()
      trainer.exportSavedModel(savedModel)
      nll
    }
  }
}
