package org.flows4j.tf.distributed;

/** A cluster description (TF_CONFIG, --cluster, --task-index) that cannot work; the message says how to fix it. */
public final class ClusterConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public ClusterConfigException(String message) {
    super(message);
  }
}
