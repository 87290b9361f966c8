package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.flows4j.api.conditioner.Conditioners;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.FactorOutPrior;
import org.flows4j.api.step.LogDetKind;
import org.flows4j.api.step.Mask;
import org.junit.jupiter.api.Test;

/** Glow's learned prior at factor-outs in the spec: builder, JSON (old specs still load), log-det kind. */
class FactorOutPriorTest {
  private static FlowSpec glow(FactorOutPrior prior) {
    return Flows.multiscale(Shape.of(4, 4, 1)).factorOutPrior(prior)
        .levels(2, level -> level.squeeze().steps(1, s -> s.actNorm()
            .affineCoupling(Mask.CHANNELS, Conditioners.convNet(8))))
        .build();
  }

  @Test
  void theMultiscaleBuilderPutsThePriorOnEveryFactorOut() {
    assertThat(glow(FactorOutPrior.LEARNED).steps()).filteredOn(step -> step instanceof FactorOut)
        .containsExactly(new FactorOut(FactorOutPrior.LEARNED));
    assertThat(glow(FactorOutPrior.BASE)).isEqualTo(Flows.multiscale(Shape.of(4, 4, 1))
        .levels(2, level -> level.squeeze().steps(1, s -> s.actNorm()
            .affineCoupling(Mask.CHANNELS, Conditioners.convNet(8))))
        .build());
    assertThat(new FactorOut()).isEqualTo(new FactorOut(FactorOutPrior.BASE));
    assertThat(new FactorOut().logDetKind()).isEqualTo(LogDetKind.ZERO);
    assertThat(new FactorOut(FactorOutPrior.LEARNED).logDetKind()).isEqualTo(LogDetKind.EXACT);
    assertThatThrownBy(() -> Flows.multiscale(Shape.of(4, 4, 1)).factorOutPrior(null))
        .isExactlyInstanceOf(NullPointerException.class).hasMessage("prior");
  }

  @Test
  void baseFactorOutsAreWrittenAsBeforeAndLearnedOnesRoundTrip() {
    String base = FlowSpecJson.toJson(glow(FactorOutPrior.BASE));
    assertThat(base).contains("{\n      \"type\": \"factorOut\"\n    }").doesNotContain("prior");
    assertThat(FlowSpecJson.fromJson(base)).isEqualTo(glow(FactorOutPrior.BASE));
    String learned = FlowSpecJson.toJson(glow(FactorOutPrior.LEARNED));
    assertThat(learned).contains("\"type\": \"factorOut\",\n      \"prior\": \"LEARNED\"");
    assertThat(FlowSpecJson.fromJson(learned)).isEqualTo(glow(FactorOutPrior.LEARNED));
  }
}
