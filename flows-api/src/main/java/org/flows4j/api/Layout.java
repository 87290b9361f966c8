package org.flows4j.api;

/** How a spec's steps are grouped; only affects how locations are named in messages. */
public enum Layout {
  /** One list of steps: locations read {@code steps[i]}. */
  SEQUENTIAL,
  /** Levels of steps (Glow, RealNVP): locations read {@code levels[l].steps[i]}. */
  MULTISCALE
}
