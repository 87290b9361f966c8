package org.flows4j.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.collect.ImmutableList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import org.flows4j.api.data.Dequantization;
import org.flows4j.api.data.LogitTransform;
import org.flows4j.api.data.NoDequantization;
import org.flows4j.api.data.NoLogit;
import org.flows4j.api.residual.ExactLogDet;
import org.flows4j.api.residual.GradientMode;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.RussianRoulette;
import org.flows4j.api.residual.TruncatedSeries;
import org.flows4j.api.step.FactorOut;
import org.flows4j.api.step.ResidualBlock;
import org.flows4j.api.step.StepSpec;

/** Properties over random valid specs (jqwik). */
class FlowSpecPropertyTest {

  @Provide
  Arbitrary<FlowSpec> validSpecs() {
    return Arbitraries.randomValue(ValidSpecs::generate);
  }

  @Property(tries = 200)
  void generatedSpecsAreValid(@ForAll("validSpecs") FlowSpec spec) {
    assertThat(Flows.problems(spec)).isEmpty();
  }

  @Property(tries = 200)
  void jsonRoundTripGivesAnEqualSpec(@ForAll("validSpecs") FlowSpec spec) {
    String json = FlowSpecJson.toJson(spec);
    FlowSpec read = FlowSpecJson.fromJson(json);
    assertThat(read).isEqualTo(spec).hasSameHashCodeAs(spec);
    assertThat(FlowSpecJson.toJson(read)).isEqualTo(json);
  }

  @Property(tries = 200)
  void theDslBuildsExactlyTheRecordsItNames(@ForAll("validSpecs") FlowSpec spec) {
    assertThat(ValidSpecs.rebuildWithDsl(spec)).isEqualTo(spec);
  }

  @Property(tries = 200)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void preprocessingNeverChangesTheShapes(@ForAll("validSpecs") FlowSpec spec) {
    Statistics.label("preprocessing").collect(
        spec.dequantization() instanceof NoDequantization ? "none" : "uniform",
        spec.logit() instanceof NoLogit ? "none" : "logit");
    // Every allowed combination is generated; logit without dequantization never is.
    Statistics.label("preprocessing").coverage(coverage -> {
      coverage.check("none", "none").count(n -> n > 0);
      coverage.check("uniform", "none").count(n -> n > 0);
      coverage.check("uniform", "logit").count(n -> n > 0);
      coverage.check("none", "logit").count(n -> n == 0);
    });
    assertThat(Flows.shapes(spec))
        .isEqualTo(Flows.shapes(spec.withPreprocessing(Dequantization.none(), LogitTransform.none())));
  }

  @Property(tries = 200)
  void onlyFactorOutsLeaveScalarsOut(@ForAll("validSpecs") FlowSpec spec) {
    ImmutableList<Shape> shapes = Flows.shapes(spec);
    ImmutableList<StepSpec> steps = spec.steps();
    assertThat(shapes).hasSize(steps.size() + 1).startsWith(spec.inputShape());
    for (int i = 0; i < steps.size(); i++) {
      Shape in = shapes.get(i);
      int factored = steps.get(i) instanceof FactorOut
          ? in.size() / in.features() * FactorOut.factoredFeatures(in.features())
          : 0;
      assertThat(shapes.get(i + 1).size()).as("scalars after %s", steps.get(i)).isEqualTo(in.size() - factored);
      assertThat(shapes.get(i + 1).rank()).isEqualTo(in.rank());
    }
  }

  @Property(tries = 200)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
  void residualBlocksOfEveryKindAreGenerated(@ForAll("validSpecs") FlowSpec spec) {
    ImmutableList<Shape> shapes = Flows.shapes(spec);
    ImmutableList<StepSpec> steps = spec.steps();
    for (int i = 0; i < steps.size(); i++) {
      if (steps.get(i) instanceof ResidualBlock block) {
        Shape in = shapes.get(i);
        Statistics.label("branch").collect(
            block.branch() instanceof LipschitzConvNet ? "conv" : "mlp", in.isImage() ? "image" : "vector");
        Statistics.label("estimator").collect(kind(block.logDet()));
        Statistics.label("estimator").collect(kind(block.evaluationLogDet()));
        for (LogDetEstimator estimator : List.of(block.logDet(), block.evaluationLogDet())) {
          if (estimator instanceof ExactLogDet) {
            assertThat(in.size()).isLessThanOrEqualTo(64);
          }
        }
        assertThat(block.lipschitz().coeff()).isStrictlyBetween(0.0, 1.0);
      }
    }
    Statistics.label("branch").coverage(coverage -> {
      coverage.check("mlp", "vector").count(n -> n > 0);
      coverage.check("mlp", "image").count(n -> n > 0);
      coverage.check("conv", "image").count(n -> n > 0);
      coverage.check("conv", "vector").count(n -> n == 0);
    });
    Statistics.label("estimator").coverage(coverage -> {
      for (String kind : List.of("exact", "truncated NEUMANN", "truncated BACKPROP", "roulette GEOMETRIC",
          "roulette POISSON")) {
        coverage.check(kind).count(n -> n > 0);
      }
    });
  }

  private static String kind(LogDetEstimator estimator) {
    if (estimator instanceof RussianRoulette roulette) {
      assertThat(roulette.gradient()).isEqualTo(GradientMode.NEUMANN);
      return "roulette " + roulette.distribution();
    }
    if (estimator instanceof TruncatedSeries series) {
      return "truncated " + series.gradient();
    }
    return "exact";
  }
}
