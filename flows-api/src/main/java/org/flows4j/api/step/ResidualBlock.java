package org.flows4j.api.step;

import com.fasterxml.jackson.annotation.JacksonInject;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.google.common.collect.ImmutableList;
import java.util.List;
import java.util.Objects;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.residual.ExactLogDet;
import org.flows4j.api.residual.FixedPointInverse;
import org.flows4j.api.residual.GradientMode;
import org.flows4j.api.residual.LipschitzConvNet;
import org.flows4j.api.residual.LipschitzMlp;
import org.flows4j.api.residual.LogDetEstimator;
import org.flows4j.api.residual.ResidualBranch;
import org.flows4j.api.residual.RussianRoulette;
import org.flows4j.api.residual.SeriesPrecision;
import org.flows4j.api.residual.SpectralNormalization;
import org.flows4j.api.residual.TruncatedSeries;

/**
 * An invertible residual block {@code y = x + g(x)} with {@code Lip(g) < 1} (i-ResNet, Residual Flows).
 *
 * @param logDet the estimator used for training
 * @param evaluationLogDet the estimator used for reported likelihoods (more terms, or exact for small vectors)
 * @param seriesPrecision the arithmetic of the series' vector–Jacobian products (see {@link SeriesPrecision});
 *     JSON leaves out {@code FULL}, so specs saved before the option existed read back unchanged
 */
public record ResidualBlock(
    ResidualBranch branch,
    Activation activation,
    SpectralNormalization lipschitz,
    LogDetEstimator logDet,
    LogDetEstimator evaluationLogDet,
    FixedPointInverse inverse,
    @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = ResidualBlock.FullPrecision.class)
    SeriesPrecision seriesPrecision) implements StepSpec {
  /** The value injected when JSON has no {@code "seriesPrecision"}. */
  public static final String DEFAULT_SERIES_PRECISION = "flows4j.seriesPrecision";

  public ResidualBlock {
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(activation, "activation");
    Objects.requireNonNull(lipschitz, "lipschitz");
    Objects.requireNonNull(logDet, "logDet");
    Objects.requireNonNull(evaluationLogDet, "evaluationLogDet");
    Objects.requireNonNull(inverse, "inverse");
    Objects.requireNonNull(seriesPrecision, "seriesPrecision");
  }

  /** A block whose series runs in the model's dtype ({@link SeriesPrecision#FULL}). */
  public ResidualBlock(ResidualBranch branch, Activation activation, SpectralNormalization lipschitz,
      LogDetEstimator logDet, LogDetEstimator evaluationLogDet, FixedPointInverse inverse) {
    this(branch, activation, lipschitz, logDet, evaluationLogDet, inverse, SeriesPrecision.FULL);
  }

  @JsonCreator
  static ResidualBlock fromJson(@JsonProperty("branch") ResidualBranch branch,
      @JsonProperty("activation") Activation activation, @JsonProperty("lipschitz") SpectralNormalization lipschitz,
      @JsonProperty("logDet") LogDetEstimator logDet,
      @JsonProperty("evaluationLogDet") LogDetEstimator evaluationLogDet,
      @JsonProperty("inverse") FixedPointInverse inverse,
      @JacksonInject(DEFAULT_SERIES_PRECISION) @JsonProperty("seriesPrecision") SeriesPrecision seriesPrecision) {
    return new ResidualBlock(branch, activation, lipschitz, logDet, evaluationLogDet, inverse, seriesPrecision);
  }

  @Override
  public String kind() {
    return "residualBlock";
  }

  @Override
  public List<String> problems(Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    if (branch instanceof LipschitzConvNet && !input.isImage()) {
      problems.add("a lipschitzConvNet branch needs an image input [height, width, channels], but the input is "
          + input + ". Use lipschitzMlp(widths...) for vectors.");
    }
    double coeff = lipschitz.coeff();
    if (!(coeff > 0 && coeff < 1)) {
      problems.add("lipschitzCoeff must be in (0, 1) for x + g(x) to be invertible, but was " + coeff + ".");
    }
    if (activation == Activation.RELU) {
      problems.add("activation RELU has no continuous derivative, which the log-determinant's gradient needs. "
          + "Use LIPSWISH, ELU, SOFTPLUS or TANH.");
    }
    List<Double> orders = lipschitz.orders();
    if (!orders.isEmpty()) {
      int maps = branch instanceof LipschitzMlp mlp ? mlp.hiddenWidths().size() + 1 : 3;
      if (orders.size() != maps + 1) {
        problems.add("spectralNormalization orders need one order per boundary between the branch's " + maps
            + " linear maps (" + (maps + 1) + " orders, first input to last output), but got " + orders.size()
            + ": " + orders + ".");
      } else if (!orders.get(0).equals(orders.get(maps))) {
        problems.add("spectralNormalization orders must end with the order they start with, so that g is a "
            + "contraction in one norm, but they were " + orders + ". Make the last order " + orders.get(0) + ".");
      }
    }
    // By field name, not by identity: the builder's default evaluation estimator is the training one itself.
    for (String which : List.of("logDet", "evaluationLogDet")) {
      LogDetEstimator estimator = which.equals("logDet") ? logDet : evaluationLogDet;
      if (estimator instanceof ExactLogDet && input.size() > ExactLogDet.MAX_FEATURES) {
        problems.add(which + " exact() builds the full Jacobian, so it needs at most " + ExactLogDet.MAX_FEATURES
            + " values per example, but the input " + input + " has " + input.size()
            + ". Use LogDet.russianRoulette(p).");
      }
      if (estimator instanceof RussianRoulette roulette && roulette.gradient() == GradientMode.BACKPROP) {
        problems.add(which + " russianRoulette has a random number of terms, which graph-mode backpropagation "
            + "cannot follow. Use neumannGradient(), or LogDet.truncatedSeries(n) to backpropagate.");
      }
      if (seriesPrecision == SeriesPrecision.BFLOAT16 && estimator instanceof TruncatedSeries series
          && series.gradient() == GradientMode.BACKPROP) {
        problems.add(which + " truncatedSeries backpropagates through the series, which seriesPrecision BFLOAT16 "
            + "does not offer (its products are bfloat16). Add neumannGradient() or use SeriesPrecision.FULL.");
      }
    }
    return problems.build();
  }

  /** Jackson's filter for {@code "seriesPrecision"}: leaves the default, FULL, out. */
  static final class FullPrecision {
    @Override
    public boolean equals(Object value) {
      return value == SeriesPrecision.FULL;
    }

    @Override
    public int hashCode() {
      return SeriesPrecision.FULL.hashCode();
    }
  }

  @Override
  public LogDetKind logDetKind() {
    return logDet instanceof ExactLogDet ? LogDetKind.EXACT : LogDetKind.ESTIMATED;
  }

  @Override
  public InverseKind inverseKind() {
    return InverseKind.ITERATIVE;
  }
}
