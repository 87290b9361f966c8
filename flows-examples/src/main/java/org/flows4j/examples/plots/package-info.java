/**
 * PNG pictures for the {@code flows} command line: sample grids, 2-D densities beside their samples, and
 * training curves. Charts are drawn by XChart; only the pictures that are pixels by nature (image samples, a
 * density sampled on a grid) are painted here. Every file is written atomically. Nothing here needs a display:
 * it all works with {@code java.awt.headless=true}, as on a server.
 */
@NullMarked
package org.flows4j.examples.plots;

import org.jspecify.annotations.NullMarked;
