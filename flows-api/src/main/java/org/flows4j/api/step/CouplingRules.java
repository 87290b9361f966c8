package org.flows4j.api.step;

import com.google.common.collect.ImmutableList;
import java.util.List;
import org.flows4j.api.Shape;
import org.flows4j.api.conditioner.ConditionerSpec;
import org.flows4j.api.conditioner.PixelCnnConditioner;

/** The shape and conditioner rules shared by the couplings (additive, affine, mixture of logistics). */
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
    if (conditioner instanceof PixelCnnConditioner) {
      // A coupling could run it (any function of x_a will do), but its masks hide each pixel itself and all
      // that follows it in raster order, most of what a coupling conditions on: surely a mistake.
      problems.add("a pixelCnn conditioner is masked for autoregressive steps (maf) and would hide most of the "
          + "input from a coupling. Use Conditioners.convNet(width) in couplings.");
    } else {
      problems.addAll(conditioner.problems(input));
    }
    return problems.build();
  }
}
