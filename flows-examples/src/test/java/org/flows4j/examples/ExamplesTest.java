package org.flows4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.flows4j.tf.export.FlowModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java and Kotlin examples' main logic, on tiny settings. */
class ExamplesTest {
  @TempDir Path dir;

  @Test
  void javaTwoMoonsExampleTrainsExportsAndLoadsBack() {
    Path savedModel = dir.resolve("java");

    double nll = TwoMoonsExample.train(savedModel, 15, 2, 8);

    assertThat(nll).isFinite().isBetween(1.0, 6.0);
    assertThat(TwoMoonsExample.logProbAt(savedModel, 0f, 0.5f)).isFinite();
  }

  @Test
  void kotlinExampleTrainsAndExports() {
    Path savedModel = dir.resolve("kotlin");

    double nll = KotlinExample.train(savedModel, 15, 2, 8);

    assertThat(nll).isFinite().isBetween(1.0, 8.0);
    try (FlowModel model = FlowModel.load(savedModel)) {
      assertThat(model.spec()).isEqualTo(KotlinExample.flow(2, 8));
      assertThat(model.sample(4, 1.0, 1)).hasSize(8);
    }
  }
}
