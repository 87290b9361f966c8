package org.flows4j.examples.cli;

import org.jspecify.annotations.Nullable;

/**
 * What a training run in an output folder was, beyond its spec and trainer options (which the checkpoints hold):
 * {@code run.json}, read back by {@code --resume}, {@code eval} and {@code sample} so they need not be told again.
 *
 * @param model the {@code --model} name the spec was built from
 * @param data the {@code --data} name it trains on
 * @param batch examples per batch
 * @param trainLimit {@code --train-limit}, or null when all training examples are used
 */
record RunInfo(String model, String data, int batch, @Nullable Integer trainLimit) {}
