package org.flows4j.tf.distributed;

import com.google.common.base.Preconditions;
import org.flows4j.api.Shape;
import org.flows4j.tf.data.DataSource;

/**
 * Worker {@code shard}'s part of a data source: its batch {@code i} of {@code b} examples is rows
 * {@code [shard·b, (shard+1)·b)} of the global batch {@code i} of {@code shards·b} examples, which the underlying
 * source draws with its seeded shuffle. The shards of one step are disjoint, and together they are exactly the
 * batch a single process would train on with the global batch size, which is what makes a distributed run equal
 * a single-process one up to summation order. Each worker builds the whole global batch and keeps its rows: a copy
 * of {@code shards·b} examples per step, small next to a training step.
 */
record ShardedDataSource(DataSource global, int shards, int shard) implements DataSource {
  ShardedDataSource {
    Preconditions.checkArgument(shards >= 1, "shards must be at least 1, but was %s", shards);
    Preconditions.checkArgument(shard >= 0 && shard < shards, "shard must be in [0, %s), but was %s", shards, shard);
  }

  @Override
  public Shape shape() {
    return global.shape();
  }

  @Override
  public float[] batch(long index, int size) {
    float[] all = global.batch(index, size * shards);
    int perBatch = size * global.shape().size();
    float[] mine = new float[perBatch];
    System.arraycopy(all, shard * perBatch, mine, 0, perBatch);
    return mine;
  }
}
