/** Splitting a matmul into output tiles that run as separate tasks, and assembling the result. */
package dev.shoal.operators.tiling;
