package org.flows4j.api.data;

/** The data are continuous and reach the flow unchanged. */
public record NoDequantization() implements Dequantization {}
