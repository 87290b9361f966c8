package org.flows4j.tf.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import org.flows4j.api.FlowSpec;
import org.flows4j.api.FlowSpecJson;
import org.flows4j.api.Shape;
import org.flows4j.tf.DurableFiles;
import org.flows4j.tf.FlowMode;
import org.flows4j.tf.LikelihoodModel;
import org.flows4j.tf.Seeds;
import org.flows4j.tf.Transformed;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TInt64;

/**
 * Writes a SavedModel (tag {@code serve}) with the {@link Signatures}: the signature ops are added to the model's
 * own graph, and the variables are saved from the given session, so whatever weights it holds (the EMA ones, when
 * the trainer swapped them in) are what ships.
 *
 * <p>{@code log_prob} of dequantized images uses one fixed draw of the dequantization noise (a constant seed), so
 * the same pixels always get the same figure; it is the single-sample dequantization bound the papers report.
 */
public final class SavedModelWriter {
  private SavedModelWriter() {}

  /**
   * Exports to {@code directory}, atomically: the model is written into a hidden temporary folder beside it and
   * flushed to the disk, and only then takes {@code directory}'s place (an earlier export is moved aside first and
   * deleted after). A crash at any moment leaves either the earlier export or the new one, complete, at
   * {@code directory} — or, if it strikes in the instant between the two renames, the earlier export intact in
   * {@code .<name>-old-*}, which the next export puts back — never a half-written {@code saved_model.pb}.
   * {@code logProbNoiseSeed} seeds {@code log_prob}'s fixed dequantization draw (the trainer passes the one its
   * evaluation gives its first chunk, so the exported figure for a batch is the one evaluation reported).
   */
  public static void write(
      Graph graph, Session session, LikelihoodModel<TFloat32> model, Path directory, long logProbNoiseSeed) {
    java.util.Objects.requireNonNull(graph, "graph");
    java.util.Objects.requireNonNull(session, "session");
    java.util.Objects.requireNonNull(model, "model");
    java.util.Objects.requireNonNull(directory, "directory");
    Path target = directory.toAbsolutePath().normalize();
    Path parent = target.getParent();
    String name = target.getFileName().toString();
    try {
      Files.createDirectories(parent);
      deleteLeftovers(parent, name);
      Path temporary = Files.createTempDirectory(parent, "." + name + "-new-");
      writeInto(graph, session, model, temporary, logProbNoiseSeed);
      DurableFiles.syncTree(temporary);
      if (Files.exists(target)) {
        Path old = Files.createTempDirectory(parent, "." + name + "-old-");
        Files.delete(old);
        DurableFiles.moveAtomically(target, old, false);
        DurableFiles.moveAtomically(temporary, target, false);
        DurableFiles.sync(parent);
        DurableFiles.deleteRecursively(old);
      } else {
        DurableFiles.moveAtomically(temporary, target, false);
        DurableFiles.sync(parent);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not export the SavedModel to " + directory + ": " + e.getMessage(), e);
    }
  }

  private static void writeInto(Graph graph, Session session, LikelihoodModel<TFloat32> model, Path directory,
      long logProbNoiseSeed) throws IOException {
    Ops tf = Ops.create(graph).withSubScope("export");
    Shape shape = model.flow().spec().inputShape();
    long[] batchShape = new long[shape.rank() + 1];
    batchShape[0] = -1;
    for (int i = 0; i < shape.rank(); i++) {
      batchShape[i + 1] = shape.dim(i);
    }
    Operand<TInt64> logProbNoise = Seeds.statelessSeed(tf, logProbNoiseSeed);
    Placeholder<TFloat32> x = tf.withName("x").placeholder(TFloat32.class,
        Placeholder.shape(org.tensorflow.ndarray.Shape.of(batchShape)));
    FlowSpec spec = model.flow().spec();
    boolean conditional = spec.context().isConditional();
    Operand<TFloat32> checkedX = InputChecks.data(tf, x, spec);
    Signature.Builder logProbBuilder = Signature.builder(Signatures.LOG_PROB).input(Signatures.X, x);
    Operand<TFloat32> logProb;
    if (conditional) {
      Placeholder<TFloat32> c = contextInput(tf, "c", spec);
      logProbBuilder.input(Signatures.C, c);
      logProb = model.logProb(tf, checkedX, InputChecks.context(tf, c, InputChecks.rows(tf, x), spec),
          logProbNoise, FlowMode.EVALUATION);
    } else {
      logProb = model.logProb(tf, checkedX, logProbNoise, FlowMode.EVALUATION);
    }
    Signature logProbSignature = logProbBuilder
        .output(Signatures.LOG_PROB_OUTPUT, logProb)
        .output(Signatures.BITS_PER_DIM, model.bitsPerDim(tf, logProb))
        .build();

    Placeholder<TFloat32> xWeighted = tf.withName("x_importance_weighted").placeholder(TFloat32.class,
        Placeholder.shape(org.tensorflow.ndarray.Shape.of(batchShape)));
    Placeholder<TInt32> samples = tf.withName("samples").placeholder(TInt32.class);
    Operand<TInt32> checkedSamples = InputChecks.atLeastOne(tf, samples, InputChecks.SAMPLES);
    // Draw k of example i is row first_row + i·K + k of the log_prob noise stream: the plain signature leaves
    // first_row at 0, the _rows one feeds it, so K draws taken in chunks are the draws of one call.
    Operand<TInt64> weightedFirstRow = tf.withName("first_noise_row").placeholderWithDefault(tf.constant(0L),
        org.tensorflow.ndarray.Shape.scalar());
    Signature.Builder weightedBuilder = Signature.builder(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED)
        .input(Signatures.X, xWeighted)
        .input(Signatures.SAMPLES, samples);
    Signature.Builder weightedRowsBuilder = Signature.builder(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_ROWS)
        .input(Signatures.X, xWeighted)
        .input(Signatures.SAMPLES, samples)
        .input(Signatures.FIRST_ROW, weightedFirstRow);
    Operand<TInt64> checkedWeightedFirstRow = InputChecks.notNegative(tf, weightedFirstRow, InputChecks.FIRST_ROW);
    Operand<TFloat32> weighted;
    if (conditional) {
      Placeholder<TFloat32> c = contextInput(tf, "c_importance_weighted", spec);
      weightedBuilder.input(Signatures.C, c);
      weightedRowsBuilder.input(Signatures.C, c);
      weighted = model.importanceWeightedLogProbFromRow(tf, InputChecks.data(tf, xWeighted, spec),
          InputChecks.context(tf, c, InputChecks.rows(tf, xWeighted), spec), logProbNoise,
          checkedWeightedFirstRow, checkedSamples, FlowMode.EVALUATION);
    } else {
      weighted = model.importanceWeightedLogProbFromRow(tf, InputChecks.data(tf, xWeighted, spec),
          logProbNoise, checkedWeightedFirstRow, checkedSamples, FlowMode.EVALUATION);
    }
    Signature weightedSignature = weightedBuilder
        .output(Signatures.LOG_PROB_OUTPUT, weighted)
        .output(Signatures.BITS_PER_DIM, model.bitsPerDim(tf, weighted))
        .build();
    Signature weightedRowsSignature = weightedRowsBuilder
        .output(Signatures.LOG_PROB_OUTPUT, weighted)
        .output(Signatures.BITS_PER_DIM, model.bitsPerDim(tf, weighted))
        .build();

    Placeholder<TFloat32> xSeeded = tf.withName("x_importance_weighted_seeded").placeholder(TFloat32.class,
        Placeholder.shape(org.tensorflow.ndarray.Shape.of(batchShape)));
    Placeholder<TInt32> seededSamples = tf.withName("samples_seeded").placeholder(TInt32.class);
    Placeholder<TInt64> drawSeed = tf.withName("draw_seed").placeholder(TInt64.class);
    Operand<TInt32> checkedSeededSamples = InputChecks.atLeastOne(tf, seededSamples, InputChecks.SAMPLES);
    Signature.Builder seededBuilder = Signature.builder(Signatures.LOG_PROB_IMPORTANCE_WEIGHTED_SEEDED)
        .input(Signatures.X, xSeeded)
        .input(Signatures.SAMPLES, seededSamples)
        .input(Signatures.SEED, drawSeed);
    Operand<TFloat32> seeded;
    if (conditional) {
      Placeholder<TFloat32> c = contextInput(tf, "c_importance_weighted_seeded", spec);
      seededBuilder.input(Signatures.C, c);
      seeded = model.importanceWeightedLogProb(tf, InputChecks.data(tf, xSeeded, spec),
          InputChecks.context(tf, c, InputChecks.rows(tf, xSeeded), spec), Seeds.statelessSeed(tf, drawSeed),
          checkedSeededSamples, FlowMode.EVALUATION);
    } else {
      seeded = model.importanceWeightedLogProb(tf, InputChecks.data(tf, xSeeded, spec),
          Seeds.statelessSeed(tf, drawSeed), checkedSeededSamples, FlowMode.EVALUATION);
    }
    Signature seededSignature = seededBuilder
        .output(Signatures.LOG_PROB_OUTPUT, seeded)
        .output(Signatures.BITS_PER_DIM, model.bitsPerDim(tf, seeded))
        .build();

    Placeholder<TInt32> n = tf.withName("n").placeholder(TInt32.class);
    Placeholder<TFloat32> temperature = tf.withName("temperature").placeholder(TFloat32.class);
    Placeholder<TInt64> seed = tf.withName("seed").placeholder(TInt64.class);
    // Rows [first_row, first_row + n) of the seed's samples: `sample` leaves it at 0, `sample_rows` feeds it, and
    // both read the same output, so chunks of any size give the samples of one `sample` call.
    Operand<TInt64> firstRow = tf.withName("first_row").placeholderWithDefault(tf.constant(0L),
        org.tensorflow.ndarray.Shape.scalar());
    Operand<TInt64> seedPair = Seeds.statelessSeed(tf, seed);
    Signature.Builder sampleBuilder = Signature.builder(Signatures.SAMPLE)
        .input(Signatures.N, n)
        .input(Signatures.TEMPERATURE, temperature)
        .input(Signatures.SEED, seed);
    Signature.Builder rowsBuilder = Signature.builder(Signatures.SAMPLE_ROWS)
        .input(Signatures.N, n)
        .input(Signatures.TEMPERATURE, temperature)
        .input(Signatures.SEED, seed)
        .input(Signatures.FIRST_ROW, firstRow);
    Operand<TInt32> checkedN = InputChecks.atLeastOne(tf, n, InputChecks.COUNT);
    Operand<TFloat32> checkedTemperature = InputChecks.temperature(tf, temperature);
    Operand<TInt64> checkedFirstRow = InputChecks.notNegative(tf, firstRow, InputChecks.FIRST_ROW);
    Operand<TFloat32> drawn;
    if (conditional) {
      Placeholder<TFloat32> c = contextInput(tf, "c_to_sample", spec);
      sampleBuilder.input(Signatures.C, c);
      rowsBuilder.input(Signatures.C, c);
      drawn = model.sampleRows(tf, checkedN, InputChecks.context(tf, c, checkedN, spec), checkedTemperature,
          seedPair, checkedFirstRow);
    } else {
      drawn = model.sampleRows(tf, checkedN, checkedTemperature, seedPair, checkedFirstRow);
    }
    sampleBuilder.output(Signatures.X, drawn);
    rowsBuilder.output(Signatures.X, drawn);
    Signature sampleRowsSignature = rowsBuilder.build();
    Signature sampleSignature = sampleBuilder.build();

    Placeholder<TFloat32> xToEncode = tf.withName("x_to_encode").placeholder(TFloat32.class,
        Placeholder.shape(org.tensorflow.ndarray.Shape.of(batchShape)));
    Signature.Builder encodeBuilder = Signature.builder(Signatures.ENCODE).input(Signatures.X, xToEncode);
    Transformed<TFloat32> encoded;
    if (conditional) {
      Placeholder<TFloat32> c = contextInput(tf, "c_to_encode", spec);
      encodeBuilder.input(Signatures.C, c);
      encoded = model.encode(tf, InputChecks.data(tf, xToEncode, spec),
          InputChecks.context(tf, c, InputChecks.rows(tf, xToEncode), spec));
    } else {
      encoded = model.encode(tf, InputChecks.data(tf, xToEncode, spec));
    }
    Signature encodeSignature = encodeBuilder
        .output(Signatures.Z, encoded.value())
        .output(Signatures.LOG_DET, encoded.logDet())
        .build();

    Placeholder<TFloat32> z = tf.withName("z").placeholder(TFloat32.class,
        Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, shape.size())));
    Signature.Builder decodeBuilder = Signature.builder(Signatures.DECODE).input(Signatures.Z, z);
    if (conditional) {
      Placeholder<TFloat32> c = contextInput(tf, "c_to_decode", spec);
      decodeBuilder.input(Signatures.C, c);
      decodeBuilder.output(Signatures.X, model.decode(tf, InputChecks.latents(tf, z),
          InputChecks.context(tf, c, InputChecks.rows(tf, z), spec)));
    } else {
      decodeBuilder.output(Signatures.X, model.decode(tf, InputChecks.latents(tf, z)));
    }
    Signature decodeSignature = decodeBuilder.build();

    SavedModelBundle.exporter(directory.toString())
        .withFunction(SessionFunction.create(logProbSignature, session))
        .withFunction(SessionFunction.create(weightedSignature, session))
        .withFunction(SessionFunction.create(weightedRowsSignature, session))
        .withFunction(SessionFunction.create(seededSignature, session))
        .withFunction(SessionFunction.create(sampleSignature, session))
        .withFunction(SessionFunction.create(sampleRowsSignature, session))
        .withFunction(SessionFunction.create(encodeSignature, session))
        .withFunction(SessionFunction.create(decodeSignature, session))
        .export();
    Path asset = directory.resolve(Signatures.SPEC_ASSET);
    Files.createDirectories(asset.getParent());
    Files.writeString(asset, FlowSpecJson.toJson(model.flow().spec()), StandardCharsets.UTF_8);
  }

  /** The context input {@code c [batch, width]} of a conditional flow's signature. */
  private static Placeholder<TFloat32> contextInput(Ops tf, String name, FlowSpec spec) {
    return tf.withName(name).placeholder(TFloat32.class,
        Placeholder.shape(org.tensorflow.ndarray.Shape.of(-1, spec.context().inputWidth())));
  }

  /**
   * What a process killed while exporting {@code name} left: temporary exports are deleted; an earlier export moved
   * aside is put back when the kill came between the two renames (nothing at {@code name}), deleted otherwise.
   */
  private static void deleteLeftovers(Path parent, String name) throws IOException {
    List<Path> leftovers;
    try (Stream<Path> children = Files.list(parent)) {
      leftovers = children.filter(child -> child.getFileName().toString().startsWith("." + name + "-new-")
          || child.getFileName().toString().startsWith("." + name + "-old-")).toList();
    }
    Path target = parent.resolve(name);
    for (Path leftover : leftovers) {
      if (leftover.getFileName().toString().startsWith("." + name + "-old-") && !Files.exists(target)) {
        Files.move(leftover, target, StandardCopyOption.ATOMIC_MOVE);
      } else {
        DurableFiles.deleteRecursively(leftover);
      }
    }
  }

}
