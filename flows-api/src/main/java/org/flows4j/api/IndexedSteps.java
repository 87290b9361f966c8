package org.flows4j.api;

/**
 * A body that also receives its repetition index, counting from 0 within one {@code stepsIndexed} or
 * {@code levelsIndexed} call. Made for alternating masks: {@code Mask.HALF.flippedIf(i % 2 == 1)}.
 */
@FunctionalInterface
public interface IndexedSteps {
  void accept(int index, StepsBuilder step);
}
