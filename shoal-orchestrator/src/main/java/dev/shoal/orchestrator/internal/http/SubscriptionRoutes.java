package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.events.EventFilter;
import dev.shoal.orchestrator.internal.store.SubscriptionRecord;
import dev.shoal.orchestrator.internal.webhooks.EventSubscriptions;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code /v1/webhooks} (API.md "Event webhooks"): subscribe a URL to the event log with a filter,
 * list subscriptions with their delivery state (never their secret), delete one.
 */
final class SubscriptionRoutes {

  private static final Set<String> FIELDS =
      Set.of("url", "secret", "after", "types", "service", "job", "task", "principal", "worker");

  private final HttpApi api;
  private final EventSubscriptions subscriptions;
  private final ObjectMapper mapper = new ObjectMapper();

  /** {@code subscriptions} null: this API delivers no event webhooks (tests, embedded use). */
  SubscriptionRoutes(HttpApi api, EventSubscriptions subscriptions) {
    this.api = api;
    this.subscriptions = subscriptions;
  }

  void create(Context ctx) {
    EventSubscriptions s = available();
    JsonNode body = api.readObject(ctx, FIELDS);
    String url = text(body, "url", true);
    String secret = text(body, "secret", true);
    Long after = null;
    JsonNode a = body.get("after");
    if (a != null && !a.isNull()) {
      if (!a.canConvertToLong() || a.asLong() < 0) {
        throw ApiException.invalidArgument("after must be a non-negative integer");
      }
      after = a.asLong();
    }
    List<String> types = new ArrayList<>();
    JsonNode t = body.get("types");
    if (t != null && !t.isNull()) {
      if (!t.isArray()) {
        throw ApiException.invalidArgument("types must be a list of event types");
      }
      for (JsonNode type : t) {
        if (!type.isTextual()) {
          throw ApiException.invalidArgument("types must be strings");
        }
        types.add(type.asText());
      }
    }
    try {
      EventFilter filter =
          EventFilter.of(
              types, text(body, "service", false), text(body, "job", false), text(body, "task", false),
              text(body, "principal", false), text(body, "worker", false));
      api.replyJson(ctx, 201, view(s.create(url, secret, filter, after)));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
  }

  void list(Context ctx) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode all = out.putArray("webhooks");
    available().list().forEach(r -> all.add(view(r)));
    api.replyJson(ctx, 200, out);
  }

  void get(Context ctx) {
    String id = ctx.pathParam("id");
    api.replyJson(
        ctx, 200,
        view(available().get(id).orElseThrow(() -> ApiException.notFound("no event webhook " + HttpApi.printable(id)))));
  }

  void delete(Context ctx) {
    String id = ctx.pathParam("id");
    if (!available().delete(id)) {
      throw ApiException.notFound("no event webhook " + HttpApi.printable(id));
    }
    api.replyJson(ctx, 200, mapper.createObjectNode().put("id", id).put("deleted", true));
  }

  private EventSubscriptions available() {
    if (subscriptions == null) {
      throw ApiException.unavailable("this orchestrator delivers no event webhooks", 60);
    }
    return subscriptions;
  }

  private ObjectNode view(SubscriptionRecord r) {
    ObjectNode o = mapper.createObjectNode();
    o.put("id", r.id());
    o.put("url", r.url());
    try {
      // Stored in the shape it is shown in.
      o.set("filter", mapper.readTree(r.filter()));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    o.put("cursor", r.cursor());
    o.put("active", r.active());
    o.put("failures", r.failures());
    if (r.lastError() != null) {
      o.put("last_error", r.lastError());
    }
    o.put("created_at", r.createdAt());
    o.put("delivered_at", r.deliveredAt());
    return o;
  }

  private static String text(JsonNode body, String field, boolean required) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      if (required) {
        throw ApiException.invalidArgument(field + " is required");
      }
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.invalidArgument(field + " must be a string");
    }
    return v.asText();
  }
}
