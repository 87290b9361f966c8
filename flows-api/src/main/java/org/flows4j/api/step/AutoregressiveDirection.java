package org.flows4j.api.step;

/**
 * Which side of an autoregressive step its network (MADE, or PixelCNN on images) reads, and so which direction is
 * one pass.
 *
 * <ul>
 *   <li>{@link #MAF} (masked autoregressive flow, Papamakarios et al. 2017): the network reads the data side,
 *       {@code z_i = x_i·exp(s_i(x_<i)) + t_i(x_<i)}. Density evaluation (forward) is one pass; sampling (inverse)
 *       is sequential, one network pass per feature (per pixel on images).
 *   <li>{@link #IAF} (inverse autoregressive flow, Kingma et al. 2016): the network reads the latent side,
 *       {@code x_i = (z_i − t_i(z_<i))·exp(−s_i(z_<i))}. Sampling (inverse) is one pass; density evaluation
 *       (forward) is sequential, one network pass per feature. Vectors only: on images that sequential pass would be a
 *       graph loop without gradient, so the density could not be trained.
 * </ul>
 */
public enum AutoregressiveDirection {
  MAF,
  IAF
}
