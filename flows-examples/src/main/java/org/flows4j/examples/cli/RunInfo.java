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
 * @param conditional whether the model is {@code p(x | c)} with the data's context ({@code --conditional}, or
 *     data that always have one); false in files written before conditional runs existed
 */
record RunInfo(String model, String data, int batch, @Nullable Integer trainLimit, boolean conditional) {
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
    if (conditional && !(DataChoice.fromCliName(data) instanceof ConditionalDataChoice)
        && !(DataChoice.fromCliName(data) instanceof FashionMnistChoice)) {
      throw new IllegalArgumentException("\"conditional\" is true, but the data " + data + " have no context");
    }
  }

  /** The data the run trains on, with their contexts when it is conditional. */
  DataChoice dataChoice() {
    DataChoice choice = DataChoice.fromCliName(data);
    return conditional || choice instanceof ConditionalDataChoice ? choice.conditioned() : choice;
  }
}
