package org.tensorflow;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_DeviceList;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;

/**
 * The types of the devices this process's TensorFlow sees ({@code "CPU"}, {@code "GPU"}, one entry per device), as
 * Python's {@code tf.config.list_physical_devices} gives them. TensorFlow Java 1.1.0 has no public call for it; this
 * class opens a session on an empty graph with the C API's {@code TF_NewSession} (in package {@code org.tensorflow}
 * only to reach {@code Graph.ref()}, as {@link TargetedSessions}) and asks {@code TF_SessionListDevices}.
 */
public final class LocalDeviceTypes {
  private LocalDeviceTypes() {}

  /** One device type per device of this process, in TensorFlow's order (CPU first). */
  public static List<String> list() {
    List<String> types = new ArrayList<>();
    // The scope frees the session (its deallocator closes and deletes it) before the graph closes.
    try (Graph graph = new Graph(); PointerScope scope = new PointerScope(); Graph.Reference ref = graph.ref()) {
      TF_Status status = TF_Status.newStatus();
      TF_Session session = TF_Session.newSession(ref.nativeHandle(), TF_SessionOptions.newSessionOptions(), status);
      status.throwExceptionIfNotOK();
      TF_DeviceList devices = tensorflow.TF_SessionListDevices(session, status);
      status.throwExceptionIfNotOK();
      try {
        for (int i = 0; i < tensorflow.TF_DeviceListCount(devices); i++) {
          String type = tensorflow.TF_DeviceListType(devices, i, status).getString();
          status.throwExceptionIfNotOK();
          types.add(type);
        }
      } finally {
        tensorflow.TF_DeleteDeviceList(devices);
      }
    }
    return List.copyOf(types);
  }
}
