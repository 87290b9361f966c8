/** Base (latent) distributions: log-density and sampling over flat latents {@code [batch, dimension]}. */
@NullMarked
package org.flows4j.tf.distributions;

import org.jspecify.annotations.NullMarked;
