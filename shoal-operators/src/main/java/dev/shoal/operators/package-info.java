/**
 * Shoal's operators: tensors, the operator contract, the standard operator set, tolerances and
 * matmul tiling. Pure Java, no I/O; everything under {@code internal} may change freely.
 */
package dev.shoal.operators;
