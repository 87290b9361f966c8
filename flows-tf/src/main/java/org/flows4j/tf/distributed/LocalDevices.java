package org.flows4j.tf.distributed;

import java.util.ArrayList;
import java.util.List;
import org.flows4j.tf.training.Replication;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * In-graph replication on the devices of one process: the batch is split into {@code devices} equal parts and the
 * model's forward pass is built once per device ({@code tf.withDevice}), all copies sharing the variables; the loss
 * is the mean over the whole batch, so the gradient TensorFlow builds is the sum of the per-device gradients divided
 * by the batch, exactly what one device computes on the whole batch. On CPUs the devices are virtual
 * ({@code ConfigProto.device_count {"CPU": n}}), which makes this testable without a GPU.
 *
 * <p>Departure: TensorFlow's C++ gradient builder (what {@code tf.gradients} calls) does not colocate the backward
 * ops with their forward ops, as Python's {@code colocate_gradients_with_ops} would; they run where the placer puts
 * them. On virtual CPU devices this changes nothing (they share one thread pool); on GPUs the backward pass of every
 * replica may run on the first GPU. Dequantization noise is drawn per device; Russian-roulette term counts and dropout
 * masks come from the flow's one seed and are shared by the devices (unbiased either way).
 */
final class LocalDevices implements Replication {
  /** One device of the default type: what a worker without {@code --devices} uses. */
  static final LocalDevices ONE_CPU = new LocalDevices(1, DeviceSpec.DeviceType.CPU);

  private final int devices;
  private final DeviceSpec.DeviceType type;

  LocalDevices(int devices, DeviceSpec.DeviceType type) {
    if (devices < 1) {
      throw new IllegalArgumentException("devices must be at least 1, but was " + devices);
    }
    this.devices = devices;
    this.type = type;
  }

  int devices() {
    return devices;
  }

  DeviceSpec.DeviceType type() {
    return type;
  }

  @Override
  public Session openSession(Graph graph) {
    return new Session(graph, configure(ConfigProto.newBuilder()).build());
  }

  /**
   * Adds what these devices need to a session's (or a TensorFlow server's) settings: N virtual CPU devices, or soft
   * placement on GPUs (which lack kernels for some integer ops; those fall back to the CPU).
   */
  ConfigProto.Builder configure(ConfigProto.Builder config) {
    config.setAllowSoftPlacement(type == DeviceSpec.DeviceType.GPU);
    if (type == DeviceSpec.DeviceType.CPU && devices > 1) {
      config.putDeviceCount("CPU", devices);
    }
    return config;
  }

  @Override
  public Operand<TFloat32> perExample(Ops tf, Operand<TFloat32> batch, PerDevice model) {
    if (devices == 1) {
      return model.logProb(tf, batch, 0);
    }
    List<Operand<TFloat32>> parts = new ArrayList<>();
    var split = tf.split(tf.constant(0), batch, (long) devices);
    for (int device = 0; device < devices; device++) {
      Ops onDevice = tf.withDevice(DeviceSpec.newBuilder().deviceType(type).deviceIndex(device).build());
      parts.add(model.logProb(onDevice, split.output().get(device), device));
    }
    return tf.concat(parts, tf.constant(0));
  }
}
