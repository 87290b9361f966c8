package org.flows4j.api;

import com.google.common.base.Preconditions;

/** Argument checks shared by the builders, so the same mistake reads the same everywhere. */
final class BuilderChecks {
  private BuilderChecks() {}

  /** A repetition count: {@code steps(0, …)} is almost always an off-by-one, so it is rejected, not ignored. */
  static int checkCount(int n) {
    Preconditions.checkArgument(n >= 1, "n must be at least 1, but was %s", n);
    return n;
  }
}
