package org.flows4j.api.data;

import com.google.common.base.Preconditions;

/** {@code x ↦ logit(α + (1 - 2α)·x)} on data in [0, 1]. */
public record Logit(double alpha) implements LogitTransform {
  public Logit {
    Preconditions.checkArgument(alpha > 0 && alpha < 0.5,
        "logit alpha must be in (0, 0.5) so that α + (1 - 2α)·x stays inside (0, 1), but was %s", alpha);
  }
}
