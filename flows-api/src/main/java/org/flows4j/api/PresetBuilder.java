package org.flows4j.api;

import com.google.common.base.Preconditions;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A preset's sizes, set by name so that two counts cannot be swapped silently:
 * {@code Presets.realNvp(shape).couplings(4).width(64).build()},
 * {@code Presets.glow(shape).levels(3).stepsPerLevel(32).width(512).build()}. Each preset takes only its own
 * settings (its javadoc in {@link Presets} lists them): setting another fails at the call, naming the ones it
 * takes, and {@link #build()} fails naming any required one left unset. Not thread-safe; one builder per spec.
 */
public final class PresetBuilder {
  private final String preset;
  private final ImmutableList<String> required;
  private final ImmutableSet<String> optional;
  private final Function<Map<String, Integer>, FlowSpec> factory;
  private final Map<String, Integer> values = new LinkedHashMap<>();

  PresetBuilder(String preset, List<String> required, List<String> optional,
      Function<Map<String, Integer>, FlowSpec> factory) {
    this.preset = preset;
    this.required = ImmutableList.copyOf(required);
    this.optional = ImmutableSet.copyOf(optional);
    this.factory = factory;
  }

  /** Couplings (RealNVP and NICE on vectors; RealNVP's levels on images). */
  public PresetBuilder couplings(int value) {
    return set("couplings", value);
  }

  /** Levels of a multi-scale flow (Glow and its variants, the image spline flow). */
  public PresetBuilder levels(int value) {
    return set("levels", value);
  }

  /** Flow steps in each level of a multi-scale flow. */
  public PresetBuilder stepsPerLevel(int value) {
    return set("stepsPerLevel", value);
  }

  /** Flow steps (the vector spline flows). */
  public PresetBuilder steps(int value) {
    return set("steps", value);
  }

  /** MAF steps. */
  public PresetBuilder layers(int value) {
    return set("layers", value);
  }

  /** Residual blocks per scale (Residual Flow), or attention blocks per conditioner (Flow++). */
  public PresetBuilder blocks(int value) {
    return set("blocks", value);
  }

  /** Hidden width of the conditioners (or of the residual branches). */
  public PresetBuilder width(int value) {
    return set("width", value);
  }

  /** Attention heads of Flow++'s conditioners ({@code width} must be divisible by it). */
  public PresetBuilder heads(int value) {
    return set("heads", value);
  }

  /** Logistics in each of Flow++'s mixture couplings. */
  public PresetBuilder components(int value) {
    return set("components", value);
  }

  /** Width of the fully connected blocks of the image Residual Flow (default: a quarter of {@code width}). */
  public PresetBuilder fcWidth(int value) {
    return set("fcWidth", value);
  }

  /**
   * The spec, checked by the preset's own rules.
   *
   * @throws IllegalStateException naming every required setting left unset
   */
  public FlowSpec build() {
    List<String> missing = required.stream().filter(name -> !values.containsKey(name)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException(preset + " needs " + String.join(" and ", missing) + " to be set (e.g. ."
          + missing.get(0) + "(n)) before build(); it takes " + takes());
    }
    return factory.apply(Map.copyOf(values));
  }

  private PresetBuilder set(String name, int value) {
    Preconditions.checkArgument(required.contains(name) || optional.contains(name), "%s takes %s, not %s",
        preset, takes(), name);
    values.put(name, value);
    return this;
  }

  private String takes() {
    List<String> all = ImmutableList.<String>builder().addAll(required).addAll(optional).build();
    return all.size() == 1 ? all.get(0)
        : String.join(", ", all.subList(0, all.size() - 1)) + " and " + all.get(all.size() - 1)
            + (optional.isEmpty() ? "" : " (" + String.join(", ", optional) + " optional)");
  }

  @Override
  public String toString() {
    return preset + values;
  }
}
