package org.flows4j.api.base;

/** N(0, I). */
public record StandardNormal() implements BaseSpec {}
