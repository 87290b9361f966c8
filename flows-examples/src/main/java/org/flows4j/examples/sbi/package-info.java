/**
 * Simulation-based inference: {@link org.flows4j.examples.sbi.GaussianLinearSimulator} simulates (θ, x) pairs for
 * neural posterior estimation and knows its exact posterior, so a fitted p(θ | x) can be checked against it.
 */
@NullMarked
package org.flows4j.examples.sbi;

import org.jspecify.annotations.NullMarked;
