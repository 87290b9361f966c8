package org.flows4j.api.base;

/** The standard logistic distribution per scalar (NICE's prior). */
public record StandardLogistic() implements BaseSpec {}
