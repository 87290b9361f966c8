package org.flows4j.examples.cli;

import org.jspecify.annotations.Nullable;

/**
 * What a training run in an output folder was, beyond its spec and trainer options (which the checkpoints hold):
 * {@code run.json}, read back by {@code --resume}, {@code eval} and {@code sample} so they need not be told again.
 * Every field is checked when read, so a hand-edited file is refused with a message instead of failing later.
 *
 * @param model the {@code --model} name the spec was built from
 * @param data the {@code --data} name it trains on
 * @param batch examples per batch
 * @param trainLimit {@code --train-limit}, or null when all training examples are used
 */
record RunInfo(String model, String data, int batch, @Nullable Integer trainLimit) {
  RunInfo {
    if (model == null) {
      throw new IllegalArgumentException("\"model\" is missing");
    }
    if (data == null) {
      throw new IllegalArgumentException("\"data\" is missing");
    }
    ModelPreset.fromCliName(model);
    DataChoice.fromCliName(data);
    if (batch < 1) {
      throw new IllegalArgumentException("\"batch\" must be at least 1, but was " + batch);
    }
    if (trainLimit != null && trainLimit < 1) {
      throw new IllegalArgumentException("\"trainLimit\" must be at least 1, but was " + trainLimit);
    }
  }
}
