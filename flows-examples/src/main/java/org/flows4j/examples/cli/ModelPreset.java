package org.flows4j.examples.cli;

import org.flows4j.api.FlowSpec;
import org.flows4j.api.Presets;
import org.flows4j.api.Shape;

/** The models {@code --model} names, each built with the DSL for a given data shape. */
public enum ModelPreset {
  REALNVP("realnvp") {
    @Override
    FlowSpec build(Shape shape) {
      return shape.isImage() ? Presets.realNvp(shape, 2, 64) : Presets.realNvp(shape, 8, 64);
    }
  },
  NICE("nice") {
    @Override
    FlowSpec build(Shape shape) {
      return Presets.nice(shape, shape.isImage() ? 4 : 8, 64);
    }
  },
  GLOW("glow") {
    @Override
    FlowSpec build(Shape shape) {
      if (!shape.isImage()) {
        throw new IllegalArgumentException(
            "--model glow needs image data [height, width, channels], but the data is " + shape
                + ". Use --model realnvp or --model nice for 2-D data.");
      }
      return Presets.glow(shape, 2, 8, 128);
    }
  };

  private final String cliName;

  ModelPreset(String cliName) {
    this.cliName = cliName;
  }

  abstract FlowSpec build(Shape shape);

  public String cliName() {
    return cliName;
  }

  /** Looks a preset up by its CLI name; the error lists the valid names. */
  public static ModelPreset fromCliName(String name) {
    for (ModelPreset preset : values()) {
      if (preset.cliName.equalsIgnoreCase(name.trim())) {
        return preset;
      }
    }
    throw new IllegalArgumentException("unknown model '" + name + "'; choose one of: realnvp, nice, glow");
  }
}
