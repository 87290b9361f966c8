package org.flows4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Java example's main logic, on tiny settings ({@code KotlinExampleTest} runs the Kotlin one). */
class ExamplesTest {
  @TempDir Path dir;

  @Test
  void javaTwoMoonsExampleTrainsExportsAndLoadsBack() {
    Path savedModel = dir.resolve("java");

    double nll = TwoMoonsExample.train(savedModel, TwoMoonsExample.realNvp(2, 8), 15);

    assertThat(nll).isFinite().isBetween(1.0, 6.0);
    assertThat(TwoMoonsExample.logProbAt(savedModel, 0f, 0.5f)).isFinite();
  }
}
