/**
 * Synchronous data-parallel training on TensorFlow's own distributed runtime: one gRPC {@code Server} per worker
 * process, between-graph replication, and {@code CollectiveReduceV2} all-reduce of the gradients. No sockets,
 * parameter exchange or all-reduce of flows4j's own: everything that crosses processes is a TensorFlow collective.
 */
@NullMarked
package org.flows4j.tf.distributed;

import org.jspecify.annotations.NullMarked;
