package org.flows4j.examples

import java.nio.file.Path
import org.assertj.core.api.Assertions.assertThat
import org.flows4j.tf.export.FlowModel
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir

/** The Kotlin example's main logic, on tiny settings, called as Kotlin callers call it: with named arguments. */
class KotlinExampleTest {
  @TempDir lateinit var dir: Path

  @Test
  fun kotlinExampleTrainsAndExports() {
    val savedModel = dir.resolve("kotlin")

    val nll = KotlinExample.train(savedModel, steps = 15, couplings = 2, width = 8)

    assertThat(nll).isFinite().isBetween(1.0, 8.0)
    FlowModel.load(savedModel).use { model ->
      assertThat(model.spec()).isEqualTo(KotlinExample.flow(couplings = 2, width = 8))
      assertThat(model.sample(4, 1.0, 1)).hasSize(8)
    }
  }
}
