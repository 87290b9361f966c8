package org.flows4j.api.step;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.ConditionerSpec;

/** The shape rules shared by additive and affine couplings. */
final class CouplingRules {
  private CouplingRules() {}

  static List<String> problems(Mask mask, ConditionerSpec conditioner, Shape input) {
    ImmutableList.Builder<String> problems = ImmutableList.builder();
    switch (mask) {
      case HALF, HALF_FLIPPED -> {
        if (!input.isVector()) {
          problems.add("mask " + mask + " needs a vector input, but the input is " + input
              + ". Use Mask.CHANNELS or Mask.CHECKERBOARD for images.");
        } else if (input.dim(0) < 2) {
          problems.add("the mask must leave both halves non-empty, but the input has 1 feature (" + input
              + "). Couplings need at least 2 features.");
        }
      }
      case CHANNELS, CHANNELS_FLIPPED -> {
        if (!input.isImage()) {
          problems.add("mask " + mask + " needs an image input [height, width, channels], but the input is "
              + input + ". Use Mask.HALF for vectors.");
        } else if (input.dim(2) < 2) {
          problems.add("the mask must leave both halves non-empty, but the input has " + input.dim(2)
              + " channel (" + input + "). Add squeeze() before it.");
        }
      }
      case CHECKERBOARD, CHECKERBOARD_FLIPPED -> {
        if (!input.isImage()) {
          problems.add("mask " + mask + " needs an image input [height, width, channels], but the input is "
              + input + ". Use Mask.HALF for vectors.");
        } else if (input.dim(0) * input.dim(1) < 2) {
          problems.add("the checkerboard mask needs at least 2 pixels, but the input is " + input
              + ". Use Mask.CHANNELS.");
        }
      }
    }
    problems.addAll(conditioner.problems(input));
    return problems.build();
  }
}
