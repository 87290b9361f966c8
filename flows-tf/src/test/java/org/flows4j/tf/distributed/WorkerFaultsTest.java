package org.flows4j.tf.distributed;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.flows4j.tf.distributed.WorkerProcesses.Record;
import org.flows4j.tf.training.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Workers that die, never come, or were started differently: every other worker stops with a message, in bounded time. */
class WorkerFaultsTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void aWorkerThatNeverComesIsNamedAfterTheTimeout() throws Exception {
    try (WorkerProcesses processes = new WorkerProcesses()) {
      String cluster = WorkerProcesses.loopbackCluster(2);
      Path log = dir.resolve("chief.log");
      long start = System.nanoTime();
      Process chief = processes.start(log, arguments("realnvp", cluster, 0, "timeout=5", "out=" + dir.resolve("c")));
      int code = WorkerProcesses.exitCode(chief, 100);
      double seconds = (System.nanoTime() - start) / 1e9;
      String message = Files.readString(log);
      System.out.printf("a missing worker stopped the chief after %.1f s (timeout 5 s, JVM start included)%n",
          seconds);
      assertThat(code).as(message).isEqualTo(TrainingWorker.CLUSTER_FAILURE);
      assertThat(message).contains("CLUSTER: task 1 (" + cluster.split(",")[1] + ") does not answer: task 0 ("
          + cluster.split(",")[0] + ") waited for it up to 5 s");
    }
  }

  @Test
  @Timeout(150)
  void workersStartedWithADifferentSpecAndOptionsNameBothDifferences() throws Exception {
    try (WorkerProcesses processes = new WorkerProcesses()) {
      String cluster = WorkerProcesses.loopbackCluster(2);
      Process chief = processes.start(dir.resolve("0.log"),
          arguments("realnvp", cluster, 0, "timeout=60", "out=" + dir.resolve("0")));
      Process other = processes.start(dir.resolve("1.log"),
          arguments("realnvp-wide", cluster, 1, "timeout=60", "lr=0.002", "out=" + dir.resolve("1")));
      for (Process process : List.of(chief, other)) {
        assertThat(WorkerProcesses.exitCode(process, 120)).isEqualTo(TrainingWorker.CLUSTER_FAILURE);
      }
      for (String log : List.of("0.log", "1.log")) {
        assertThat(Files.readString(dir.resolve(log))).contains("CLUSTER: the workers were started with different "
            + "settings than the chief task 0 (" + cluster.split(",")[0] + "): task 1 (" + cluster.split(",")[1]
            + ") differs in spec, learningRate. Start every worker with the same model, data, seed and training options.");
      }
    }
  }

  /**
   * Task 1 stops answering after step 10 and is then killed (SIGKILL): the chief stops within the timeout naming it. Everyone restarts:
   * the chief resumes from its last checkpoint (step 8) and task 1, which has no checkpoint, adopts the chief's
   * state over the collective. The resumed run repeats steps 9 and 10 bit for bit, and its whole curve (loss and
   * weights after every step, the EMA's samples at the end) equals an uninterrupted run's within the tolerances of
   * {@link DataParallelTrainingTest}.
   */
  @Test
  @Timeout(240)
  void afterAWorkerIsKilledTheOthersStopAndResumeContinuesFromTheChiefsCheckpoint() throws Exception {
    Path checkpoints = dir.resolve("checkpoints");
    // The uninterrupted reference trains in this JVM meanwhile (it does not depend on the workers).
    CompletableFuture<List<Record>> reference = CompletableFuture.supplyAsync(() -> {
      try {
        return uninterruptedSingleProcess();
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    });
    List<Record> beforeKill;
    try (WorkerProcesses processes = new WorkerProcesses()) {
      String cluster = WorkerProcesses.loopbackCluster(2);
      Path victimOutput = dir.resolve("1-first.bin");
      Process chief = processes.start(dir.resolve("0-first.log"), arguments("realnvp", cluster, 0, "timeout=8",
          "out=" + dir.resolve("0-first.bin"), "checkpoints=" + checkpoints, "checkpointEvery=4"));
      Process victim = processes.start(dir.resolve("1-first.log"), arguments("realnvp", cluster, 1, "timeout=8",
          "out=" + victimOutput, "checkpoints=" + dir.resolve("unused"), "checkpointEvery=4", "hangAfter=10"));
      long deadline = System.nanoTime() + 150_000_000_000L;
      while (WorkerProcesses.read(victimOutput).size() < 10) {
        assertThat(System.nanoTime()).as("task 1 reaching step 10").isLessThan(deadline);
        assertThat(victim.isAlive()).as("task 1 alive").isTrue();
        Thread.sleep(50);
      }
      victim.destroyForcibly();
      long killed = System.nanoTime();
      int code = WorkerProcesses.exitCode(chief, 60);
      System.out.printf("the chief stopped %.1f s after task 1 was killed (timeout 8 s)%n",
          (System.nanoTime() - killed) / 1e9);
      String message = Files.readString(dir.resolve("0-first.log"));
      assertThat(code).as(message).isEqualTo(TrainingWorker.CLUSTER_FAILURE);
      assertThat(message).contains("CLUSTER: task 1 (" + cluster.split(",")[1] + ") does not answer");
      beforeKill = WorkerProcesses.read(dir.resolve("0-first.bin"));
    }
    assertThat(Files.readString(checkpoints.resolve("latest")).trim()).isEqualTo("checkpoint-000000008");

    List<List<Record>> resumed = new ArrayList<>();
    try (WorkerProcesses processes = new WorkerProcesses()) {
      String cluster = WorkerProcesses.loopbackCluster(2);
      List<Process> started = new ArrayList<>();
      for (int task = 0; task < 2; task++) {
        started.add(processes.start(dir.resolve(task + "-again.log"), arguments("realnvp", cluster, task,
            "timeout=60", "out=" + dir.resolve(task + "-again.bin"),
            "checkpoints=" + (task == 0 ? checkpoints : dir.resolve("unused")), "checkpointEvery=4")));
      }
      for (int task = 0; task < 2; task++) {
        assertThat(WorkerProcesses.exitCode(started.get(task), 150))
            .as(Files.readString(dir.resolve(task + "-again.log"))).isZero();
        resumed.add(WorkerProcesses.read(dir.resolve(task + "-again.bin")));
      }
    }
    // Steps 9 to 20, then the samples.
    assertThat(resumed.get(0)).hasSize(13);
    assertThat(resumed.get(0).get(0).step()).isEqualTo(9);
    for (int i = 0; i < 13; i++) {
      assertThat(resumed.get(1).get(i).values()).isEqualTo(resumed.get(0).get(i).values());
    }
    for (int step = 9; step <= 10; step++) {
      Record first = beforeKill.get(step - 1);
      Record again = resumed.get(0).get(step - 9);
      assertThat(again.step()).isEqualTo(first.step());
      assertThat(again.loss()).isEqualTo(first.loss());
      assertThat(again.values()).isEqualTo(first.values());
    }

    // The whole curve of the interrupted run (steps 1-8 before the kill, 9-20 after the resume, then the EMA's
    // samples) against an uninterrupted run of the same length: one process with the global batch, within the
    // tolerances DataParallelTrainingTest states for a distributed run against one process.
    List<Record> interrupted = new ArrayList<>(beforeKill.subList(0, 8));
    interrupted.addAll(resumed.get(0));
    List<Record> uninterrupted = reference.get();
    assertThat(interrupted).hasSameSizeAs(uninterrupted);
    double worstLoss = 0;
    double worstWeights = 0;
    for (int i = 0; i < uninterrupted.size(); i++) {
      Record expected = uninterrupted.get(i);
      Record actual = interrupted.get(i);
      assertThat(actual.step()).isEqualTo(expected.step());
      if (expected.step() > 0) { // the last record holds samples, no loss
        worstLoss = Math.max(worstLoss, Math.abs(actual.loss() - expected.loss()) / Math.abs(expected.loss()));
      }
      worstWeights = Math.max(worstWeights,
          DataParallelTrainingTest.relativeL2(actual.values(), expected.values()));
    }
    System.out.printf("interrupted and resumed vs uninterrupted, 20 steps: loss %.2g, weights %.2g (relative L2)%n",
        worstLoss, worstWeights);
    assertThat(worstLoss).isLessThan(DataParallelTrainingTest.LOSS_TOLERANCE);
    assertThat(worstWeights).isLessThan(DataParallelTrainingTest.WEIGHT_TOLERANCE);
  }

  /** The same 20 steps in one process with the 2 workers' global batch, never interrupted. */
  private List<Record> uninterruptedSingleProcess() throws Exception {
    Path file = dir.resolve("uninterrupted.bin");
    try (Trainer trainer = Trainer.create(TrainingWorker.spec("realnvp"), TrainingWorker.options("0.001"));
        DataOutputStream out = new DataOutputStream(new FileOutputStream(file.toFile()))) {
      TrainingWorker.train(trainer, TrainingWorker.data("realnvp"), 32, 20, out, null, 0);
    }
    return WorkerProcesses.read(file);
  }

  private static List<String> arguments(String model, String cluster, int task, String... more) {
    List<String> arguments = new ArrayList<>(List.of("model=" + model, "cluster=" + cluster, "task=" + task,
        "steps=20", "batch=16"));
    arguments.addAll(List.of(more));
    return arguments;
  }
}
