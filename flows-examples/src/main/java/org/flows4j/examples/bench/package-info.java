/**
 * Benchmark harnesses called from code (no CLI wiring): {@link org.flows4j.examples.bench.ToyNllBenchmark} trains
 * flows on 2-D toy densities for one fixed budget and reports their held-out NLL side by side.
 */
@NullMarked
package org.flows4j.examples.bench;

import org.jspecify.annotations.NullMarked;
