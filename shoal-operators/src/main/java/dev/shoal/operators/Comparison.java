package dev.shoal.operators;

/**
 * The outcome of comparing two tensors: whether they match, how many elements differ, the index of
 * the first that does (-1 if none), the largest finite absolute error (NaN if the dtypes or shapes
 * differ), and a human-readable reason when they do not match ("" when they do).
 */
public record Comparison(boolean matches, long mismatches, long firstMismatchIndex, double maxAbsError, String reason) {}
