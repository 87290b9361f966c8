package org.flows4j.tf.summary;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.flows4j.tf.training.Evaluation;
import org.flows4j.tf.training.StepReport;
import org.flows4j.tf.training.TrainingListener;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * Training metrics as TensorBoard event files ({@code events.out.tfevents.*} in the log directory), written by
 * TensorFlow's own summary kernels ({@code CreateSummaryFileWriter}, {@code WriteScalarSummary},
 * {@code FlushSummaryWriter}) in a small graph and session of its own, apart from the training graph. As a
 * {@link TrainingListener} it records after every update {@code loss}, {@code bits_per_dim}, {@code learning_rate}
 * and {@code gradient_norm}; {@code skipped_batches} (the running count) after each skipped batch; and
 * {@code held_out/nll} and {@code held_out/bits_per_dim} after each evaluation; for Residual Flows, the series terms
 * each block drew ({@code residual/<block>/series_terms}) after every update, and on request the fixed-point
 * inverse's iterations per block ({@link #inverseIterations}). Close it to flush.
 */
public final class TensorBoardWriter implements TrainingListener, AutoCloseable {
  private final Graph graph;
  private final Session session;
  private final Placeholder<TInt64> step;
  private final Placeholder<TString> tag;
  private final Placeholder<TFloat32> value;
  private final Op write;
  private final Op flush;
  private final Op closeWriter;
  private long skipped;
  private boolean closed;

  private TensorBoardWriter(Path logDirectory) {
    graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      SummaryWriter writer = tf.summary.summaryWriter(SummaryWriter.sharedName("flows4j_" + System.nanoTime()));
      Op create = tf.summary.createSummaryFileWriter(writer, tf.constant(logDirectory.toString()),
          tf.constant(100), tf.constant(10_000), tf.constant(".flows4j"));
      step = tf.placeholder(TInt64.class);
      tag = tf.placeholder(TString.class);
      value = tf.placeholder(TFloat32.class);
      write = tf.summary.writeScalarSummary(writer, step, tag, value);
      flush = tf.summary.flushSummaryWriter(writer);
      closeWriter = tf.summary.closeSummaryWriter(writer);
      session = new Session(graph);
      session.run(create);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /** A writer of a new event file in {@code logDirectory} (created if missing). */
  public static TensorBoardWriter create(Path logDirectory) {
    try {
      Files.createDirectories(logDirectory);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the TensorBoard folder " + logDirectory + ": " + e.getMessage(),
          e);
    }
    return new TensorBoardWriter(logDirectory);
  }

  /** Writes one scalar (float32, as TensorBoard stores it). */
  public void scalar(String name, long atStep, double scalar) {
    try (TInt64 s = TInt64.scalarOf(atStep); TString t = TString.scalarOf(name);
        TFloat32 v = TFloat32.scalarOf((float) scalar)) {
      session.runner().feed(step, s).feed(tag, t).feed(value, v).addTarget(write).run();
    }
  }

  @Override
  public void onStep(StepReport report) {
    scalar("loss", report.step(), report.loss());
    scalar("bits_per_dim", report.step(), report.bitsPerDim());
    scalar("learning_rate", report.step(), report.learningRate());
    scalar("gradient_norm", report.step(), report.gradientNorm());
    report.seriesTerms().forEach((block, terms) -> scalar(residualTag(block, "series_terms"), report.step(), terms));
  }

  /**
   * Writes, per residual block, the fixed-point iterations its inverse took ({@code Trainer.inverseIterations()}
   * after sampling) as {@code residual/<block>/inverse_iterations} at {@code atStep}.
   */
  public void inverseIterations(long atStep, Map<String, Integer> iterationsByBlock) {
    iterationsByBlock.forEach((block, iterations) -> scalar(residualTag(block, "inverse_iterations"), atStep,
        iterations));
  }

  /** {@code residual/steps[1]/series_terms}: one TensorBoard group per block. */
  static String residualTag(String block, String figure) {
    return "residual/" + block + "/" + figure;
  }

  @Override
  public void onSkippedStep(StepReport report) {
    skipped++;
    scalar("skipped_batches", report.step(), skipped);
  }

  @Override
  public void onEvaluation(Evaluation evaluation) {
    scalar("held_out/nll", evaluation.step(), evaluation.negativeLogLikelihood());
    scalar("held_out/bits_per_dim", evaluation.step(), evaluation.bitsPerDim());
  }

  /** Writes what is queued to disk. */
  public void flush() {
    session.run(flush);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      session.run(closeWriter);
    } finally {
      session.close();
      graph.close();
    }
  }
}
