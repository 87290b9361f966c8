package org.flows4j.api.data;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.google.common.collect.ImmutableList;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.conditioner.Activation;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.ConvNetConditioner;
import org.flows4j.api.conditioner.MlpConditioner;

/**
 * How discrete data become continuous. {@link #none()} for data that are already continuous (2-D densities);
 * {@link #uniform(int)} for 8-bit images: pixels are reduced to {@code levels} values, uniform noise fills each bin,
 * and the result is scaled to [0, 1]; the likelihood of the discrete data is then bounded exactly (Theis et al.).
 * {@link #variational} learns the noise (Flow++), which tightens the bound.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
  @JsonSubTypes.Type(value = NoDequantization.class, name = "none"),
  @JsonSubTypes.Type(value = UniformDequantization.class, name = "uniform"),
  @JsonSubTypes.Type(value = VariationalDequantization.class, name = "variational"),
})
public sealed interface Dequantization permits NoDequantization, UniformDequantization, VariationalDequantization {
  static Dequantization none() {
    return new NoDequantization();
  }

  /** Uniform dequantization to {@code levels} values per pixel: 256 for 8-bit data, 32 for Glow's 5-bit CelebA. */
  static Dequantization uniform(int levels) {
    return new UniformDequantization(levels);
  }

  /**
   * Flow++'s variational dequantization with the learned noise flow {@code flow} (see
   * {@link VariationalDequantization}), and a default context network: Glow's conv net of width 32 for images, an
   * MLP with one hidden layer of 64 for vectors, each giving 16 features, last layer not zero-initialised (so the
   * couplings see the pixels from the first step).
   */
  static VariationalDequantization variational(int levels, FlowSpec flow) {
    ConditionerSpec context = flow.inputShape().isImage()
        ? new ConvNetConditioner(32, 3, Activation.RELU, false)
        : new MlpConditioner(ImmutableList.of(64), Activation.RELU, false);
    return new VariationalDequantization(levels, flow, context, 16);
  }

  /** Variational dequantization with an explicit context network giving {@code contextFeatures} features. */
  static VariationalDequantization variational(
      int levels, FlowSpec flow, ConditionerSpec context, int contextFeatures) {
    return new VariationalDequantization(levels, flow, context, contextFeatures);
  }
}
