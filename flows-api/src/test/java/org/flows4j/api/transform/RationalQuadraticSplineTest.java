package org.flows4j.api.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The spline spec is a value: defaults, equality, JSON round trip, and every rule's message verbatim. */
class RationalQuadraticSplineTest {

  @Test
  void defaultsAreEightBinsOnPlusMinusThreeWithMinimumsOneThousandth() {
    RationalQuadraticSpline spline = RationalQuadraticSpline.defaults();
    assertThat(spline).isEqualTo(new RationalQuadraticSpline(8, 3.0, 1e-3, 1e-3, 1e-3));
    assertThat(spline.parametersPerScalar()).isEqualTo(23);
  }

  @Test
  void splinesBuiltTheSameWayAreEqualWithEqualHashCodesAndDifferOnEveryComponent() {
    RationalQuadraticSpline a = RationalQuadraticSpline.defaults().bins(10).bound(5);
    RationalQuadraticSpline b = new RationalQuadraticSpline(10, 5.0, 1e-3, 1e-3, 1e-3);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a.bins(11)).isNotEqualTo(a);
    assertThat(a.bound(4)).isNotEqualTo(a);
    assertThat(a.minBinWidth(2e-3)).isNotEqualTo(a);
    assertThat(a.minBinHeight(2e-3)).isNotEqualTo(a);
    assertThat(a.minDerivative(2e-3)).isNotEqualTo(a);
    assertThat(a.minBinWidth(1e-3).minBinHeight(1e-3).minDerivative(1e-3)).isEqualTo(a);
  }

  @Test
  void parametersPerScalarIsThreeBinsMinusOne() {
    assertThat(RationalQuadraticSpline.defaults().bins(2).parametersPerScalar()).isEqualTo(5);
    assertThat(RationalQuadraticSpline.defaults().bins(16).parametersPerScalar()).isEqualTo(47);
  }

  @Test
  void jsonRoundTripGivesAnEqualValueWithNamedComponentsAndItsTypeName() throws Exception {
    ObjectMapper mapper = JsonMapper.builder()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES)
        .build();
    RationalQuadraticSpline spline = new RationalQuadraticSpline(12, 2.5, 2e-3, 5e-4, 1e-2);
    String json = mapper.writeValueAsString(spline);
    assertThat(json).isEqualTo(
        "{\"type\":\"rationalQuadraticSpline\",\"bins\":12,\"bound\":2.5,\"minBinWidth\":0.002,"
            + "\"minBinHeight\":5.0E-4,\"minDerivative\":0.01}");
    assertThat(mapper.readValue(json, CouplingTransform.class)).isEqualTo(spline);
    assertThat(spline.kind()).isEqualTo("rationalQuadraticSpline");
  }

  @Test
  void jsonWithABrokenRuleFailsWithTheRulesMessage() {
    ObjectMapper mapper = new ObjectMapper();
    assertThatThrownBy(() -> mapper.readValue(
            "{\"type\":\"rationalQuadraticSpline\",\"bins\":1,\"bound\":3,\"minBinWidth\":0.001,"
                + "\"minBinHeight\":0.001,\"minDerivative\":0.001}",
            CouplingTransform.class))
        .hasMessageContaining("bins must be at least 2");
  }

  @ParameterizedTest(name = "bins {0}")
  @CsvSource({"1", "0", "-3"})
  void fewerThanTwoBinsAreRejected(int bins) {
    assertThatThrownBy(() -> RationalQuadraticSpline.defaults().bins(bins))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bins must be at least 2 (one bin with both end derivatives fixed at 1 is the identity), but was "
            + bins);
  }

  @ParameterizedTest(name = "bound {0}")
  @CsvSource({"0.0", "-1.0", "NaN", "Infinity"})
  void nonPositiveOrNonFiniteBoundIsRejected(double bound) {
    assertThatThrownBy(() -> RationalQuadraticSpline.defaults().bound(bound))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("bound must be positive and finite, but was " + bound);
  }

  @Test
  void minimumBinWidthAtOrAboveOneOverBinsIsRejected() {
    assertThatThrownBy(() -> RationalQuadraticSpline.defaults().minBinWidth(0.125))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minBinWidth must be positive and below 1/bins = 0.125 (the 8 bins share the interval), "
            + "but was 0.125");
  }

  @Test
  void zeroOrNegativeMinimumBinHeightIsRejected() {
    assertThatThrownBy(() -> RationalQuadraticSpline.defaults().minBinHeight(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minBinHeight must be positive and below 1/bins = 0.125 (the 8 bins share the interval), "
            + "but was 0.0");
    assertThatThrownBy(() -> RationalQuadraticSpline.defaults().minBinHeight(Double.NaN))
        .hasMessageContaining("minBinHeight must be positive");
  }

  @ParameterizedTest(name = "minDerivative {0}")
  @CsvSource({"0.0", "-0.5", "NaN", "Infinity"})
  void nonPositiveOrNonFiniteMinimumDerivativeIsRejected(double derivative) {
    assertThatThrownBy(() -> RationalQuadraticSpline.defaults().minDerivative(derivative))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("minDerivative must be positive and finite, but was " + derivative);
  }

  @Test
  void largestAllowedMinimumsAndManyBinsAreAccepted() {
    assertThat(new RationalQuadraticSpline(4, 1e-3, 0.2499, 0.2499, 50).bins()).isEqualTo(4);
    assertThat(RationalQuadraticSpline.defaults().bins(512).parametersPerScalar()).isEqualTo(1535);
  }
}
