package org.flows4j.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.ToyDensity;
import org.junit.jupiter.api.Test;

/** The harness on a tiny budget: one row per (model, density), and training lowers the held-out NLL. */
class ToyNllBenchmarkTest {
  @Test
  void tinyRealNvpBudgetLowersHeldOutNllOnCheckerboardAndMoonsByATenthOfANat() {
    Map<String, Function<Shape, FlowSpec>> models = new LinkedHashMap<>();
    models.put("realnvp", shape -> Presets.realNvp(shape).couplings(2).width(16).build());
    List<ToyNllBenchmark.Result> results = ToyNllBenchmark.compare(models,
        List.of(ToyDensity.CHECKERBOARD, ToyDensity.MOONS), new ToyNllBenchmark.Budget(100, 128, 1e-2, 1000, 3));
    assertThat(results).extracting(ToyNllBenchmark.Result::density).containsExactly("checkerboard", "moons");
    for (ToyNllBenchmark.Result r : results) {
      System.out.println(r.row());
      assertThat(r.heldOutNll()).isFinite().isLessThan(r.initialNll() - 0.1);
    }
  }

  @Test
  void budgetRejectsNonPositiveSettingsWithTheValues() {
    assertThatThrownBy(() -> new ToyNllBenchmark.Budget(0, 1, 1e-3, 1, 0))
        .hasMessage("steps, batch and heldOut must be at least 1, but were 0, 1 and 1");
    assertThatThrownBy(() -> new ToyNllBenchmark.Budget(1, 1, 0, 1, 0))
        .hasMessage("learningRate must be positive and finite, but was 0.0");
  }
}
