package dev.shoal.orchestrator.internal.events;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.shoal.orchestrator.internal.store.EventRecord;
import java.io.IOException;

/** One event in API.md's JSON shape, the same for pages, streams and webhooks. */
public final class EventJson {

  private EventJson() {}

  /** Writes {@code e} as an object; fields that do not apply are left out. */
  public static void write(JsonGenerator g, EventRecord e) throws IOException {
    g.writeStartObject();
    g.writeNumberField("seq", e.seq());
    g.writeNumberField("at", e.at());
    g.writeStringField("type", e.type());
    optional(g, "job_id", e.jobId());
    if (!e.taskId().isEmpty()) {
      g.writeStringField("task_id", e.jobId() + "." + e.taskId());
    }
    if (e.attempt() > 0) {
      g.writeNumberField("attempt", e.attempt());
    }
    optional(g, "worker", e.peerId());
    optional(g, "service", e.service());
    optional(g, "principal", e.principal());
    optional(g, "actor", e.actor());
    optional(g, "from", e.from());
    optional(g, "to", e.to());
    optional(g, "detail", e.detail());
    g.writeEndObject();
  }

  private static void optional(JsonGenerator g, String name, String value) throws IOException {
    if (value != null && !value.isEmpty()) {
      g.writeStringField(name, value);
    }
  }
}
