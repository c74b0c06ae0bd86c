package dev.shoal.operators;

/**
 * The outcome of comparing two tensors: whether they match, how many elements differ, the first
 * that does (-1 if none), the largest absolute error among finite values, and why not (or "").
 */
public record Comparison(boolean matches, long mismatches, long firstMismatchIndex, double maxAbsError, String reason) {}
