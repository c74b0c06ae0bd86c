package dev.shoal.client;

/**
 * A task queued with {@code tasks().submitAsync}: its id ({@code job_id.task_id}), for {@code
 * status}, {@code result}, {@code cancel} and artifacts, and its state when the orchestrator
 * accepted it ({@code queued}, durably).
 */
public record TaskHandle(String id, String state) {}
