package org.tensorflow;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.global.tensorflow;
import org.tensorflow.proto.ConfigProto;

/**
 * Opens a {@link Session} on a graph that runs through a TensorFlow server ({@code grpc://host:port}) instead of
 * in-process. TensorFlow Java 1.1.0 has no public way to do this: every {@code Session} constructor passes a null
 * target. This class sits in package {@code org.tensorflow} only to reach the package-private
 * {@code Session(Graph, TF_Session)} constructor and {@code Graph.ref()}; the rest is the C API's own
 * {@code TF_SetTarget} / {@code TF_SetConfig} / {@code TF_NewSession}, the calls {@code Session} itself makes.
 * It works on the class path (flows4j's jars are not modules); on the module path the package would be split.
 */
public final class TargetedSessions {
  private TargetedSessions() {}

  /** A session on {@code graph} whose runs go to {@code target} (e.g. {@code grpc://127.0.0.1:2222}). */
  public static Session open(Graph graph, String target, ConfigProto config) {
    try (PointerScope scope = new PointerScope(); Graph.Reference ref = graph.ref()) {
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
      tensorflow.TF_SetTarget(options, target);
      BytePointer bytes = new BytePointer(config.toByteArray());
      tensorflow.TF_SetConfig(options, bytes, bytes.capacity(), status);
      status.throwExceptionIfNotOK();
      TF_Session session = TF_Session.newSession(ref.nativeHandle(), options, status);
      status.throwExceptionIfNotOK();
      session.retainReference();
      return new Session(graph, session);
    }
  }
}
