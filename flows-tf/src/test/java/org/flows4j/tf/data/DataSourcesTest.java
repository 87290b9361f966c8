package org.flows4j.tf.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.api.Shape;
import org.junit.jupiter.api.Test;

class DataSourcesTest {
  private static final Shape SHAPE = Shape.of(3);
  private static final int COUNT = 12;

  /** Example i holds (i, i + 0.25, i + 0.5), so a batch row says which example it is and that it is intact. */
  private static float[] examples() {
    float[] values = new float[COUNT * 3];
    for (int i = 0; i < COUNT; i++) {
      values[3 * i] = i;
      values[3 * i + 1] = i + 0.25f;
      values[3 * i + 2] = i + 0.5f;
    }
    return values;
  }

  private static List<Integer> rows(float[] batch) {
    List<Integer> ids = new ArrayList<>();
    for (int r = 0; r < batch.length / 3; r++) {
      int id = (int) batch[3 * r];
      assertThat(batch[3 * r + 1]).isEqualTo(id + 0.25f);
      assertThat(batch[3 * r + 2]).isEqualTo(id + 0.5f);
      ids.add(id);
    }
    return ids;
  }

  @Test
  void everyEpochVisitsEveryExampleOnceInAFreshOrderAndAnIndexAlwaysGivesTheSameBatch() {
    DataSource source = DataSources.ofArray(examples(), SHAPE, 7);
    assertThat(source.shape()).isEqualTo(SHAPE);
    List<Integer> epoch0 = new ArrayList<>();
    List<Integer> epoch1 = new ArrayList<>();
    for (int b = 0; b < 3; b++) {
      epoch0.addAll(rows(source.batch(b, 4)));
      epoch1.addAll(rows(source.batch(3 + b, 4)));
    }
    assertThat(epoch0).hasSize(COUNT).doesNotHaveDuplicates();
    assertThat(epoch1).hasSize(COUNT).doesNotHaveDuplicates().isNotEqualTo(epoch0);
    assertThat(rows(DataSources.ofArray(examples(), SHAPE, 7).batch(4, 4))).isEqualTo(epoch1.subList(4, 8));
    assertThat(rows(DataSources.ofArray(examples(), SHAPE, 8).batch(0, 12))).isNotEqualTo(epoch0);
  }

  @Test
  void anEpochHoldsWholeBatchesOnly() {
    DataSource source = DataSources.ofArray(examples(), SHAPE);
    // 12 examples in batches of 5: two batches per epoch, batch 2 starts the next epoch.
    List<Integer> first = rows(source.batch(0, 5));
    first.addAll(rows(source.batch(1, 5)));
    assertThat(first).hasSize(10).doesNotHaveDuplicates();
    assertThat(rows(source.batch(2, 5))).doesNotHaveDuplicates().hasSize(5);
  }

  @Test
  void wrongArraysAndBatchSizesAreRefusedWithTheNumbers() {
    assertThatThrownBy(() -> DataSources.ofArray(new float[7], SHAPE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the array must hold whole examples of shape [3] (a non-zero multiple of 3 floats), "
            + "but has 7 floats");
    assertThatThrownBy(() -> DataSources.ofArray(new float[0], SHAPE))
        .hasMessageContaining("but has 0 floats");
    assertThatThrownBy(() -> DataSources.ofArray(examples(), SHAPE).batch(0, 13))
        .hasMessage("batch size must be in [1, 12] (the number of examples), but was 13");
  }
}
