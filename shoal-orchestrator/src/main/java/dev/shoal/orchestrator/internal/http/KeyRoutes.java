package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.auth.ApiKey;
import dev.shoal.orchestrator.internal.auth.ApiKeys;
import dev.shoal.orchestrator.internal.auth.CreatedKey;
import dev.shoal.orchestrator.internal.auth.Scope;
import dev.shoal.orchestrator.internal.principals.Directory;
import io.javalin.http.Context;
import java.util.EnumSet;
import java.util.Set;

/** {@code POST/GET/DELETE /v1/keys} (admin): API keys are made, listed and revoked here. */
final class KeyRoutes {

  /** Requests per second of a key created without {@code rate_limit}. */
  static final int DEFAULT_RATE_LIMIT = 20;

  private static final Set<String> FIELDS = Set.of("name", "scopes", "rate_limit", "principal");

  private final HttpApi api;
  private final ApiKeys keys;
  private final Directory directory;
  private final ObjectMapper mapper = new ObjectMapper();

  KeyRoutes(HttpApi api, ApiKeys keys, Directory directory) {
    this.api = api;
    this.keys = keys;
    this.directory = directory;
  }

  void create(Context ctx) {
    JsonNode body = api.readObject(ctx, FIELDS);
    JsonNode scopes = body.get("scopes");
    if (scopes == null || !scopes.isArray() || scopes.isEmpty()) {
      throw ApiException.invalidArgument("scopes must be a non-empty list of read, submit, admin");
    }
    Set<Scope> parsed = EnumSet.noneOf(Scope.class);
    for (JsonNode s : scopes) {
      if (!s.isTextual()) {
        throw ApiException.invalidArgument("scopes must be strings: read, submit, admin");
      }
      try {
        parsed.add(Scope.fromWire(s.asText()));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalidArgument(e.getMessage());
      }
    }
    JsonNode rate = body.get("rate_limit");
    if (rate != null && !rate.canConvertToInt()) {
      throw ApiException.invalidArgument("rate_limit must be an integer number of requests per second");
    }
    JsonNode name = body.get("name");
    if (name == null || !name.isTextual()) {
      throw ApiException.invalidArgument("name is required: a label for whoever holds the key");
    }
    JsonNode principal = body.get("principal");
    String actsAs = "";
    if (principal != null && !principal.isNull()) {
      if (!principal.isTextual() || directory.principal(principal.asText()).isEmpty()) {
        throw ApiException.invalidArgument(
            "principal must be a registered client or fleet owner's id (see GET /v1/principals)");
      }
      actsAs = principal.asText();
    }
    CreatedKey created;
    try {
      created = keys.create(name.asText(), parsed, rate == null ? DEFAULT_RATE_LIMIT : rate.asInt(), actsAs);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
    ObjectNode out = view(created.key());
    out.put("key", created.token());
    api.replyJson(ctx, 201, out);
  }

  void list(Context ctx) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode array = out.putArray("keys");
    for (ApiKey k : keys.list()) {
      array.add(view(k));
    }
    api.replyJson(ctx, 200, out);
  }

  void revoke(Context ctx) {
    String id = ctx.pathParam("id");
    ApiKey revoked;
    try {
      revoked = keys.revoke(id).orElseThrow(() -> ApiException.notFound("no API key " + HttpApi.printable(id)));
    } catch (ApiKeys.LastAdminKey e) {
      throw ApiException.conflict(e.getMessage());
    }
    api.replyJson(ctx, 200, mapper.createObjectNode().put("id", revoked.id()).put("revoked_at", revoked.revokedAt()));
  }

  private ObjectNode view(ApiKey k) {
    ObjectNode o = mapper.createObjectNode().put("id", k.id()).put("name", k.name());
    ArrayNode scopes = o.putArray("scopes");
    k.scopes().stream().sorted().forEach(s -> scopes.add(s.wireName()));
    o.put("rate_limit", k.rateLimit());
    if (k.principal().isEmpty()) {
      o.putNull("principal");
    } else {
      o.put("principal", k.principal());
    }
    o.put("created_at", k.createdAt());
    HttpApi.putTime(o, "last_used_at", k.lastUsedAt());
    HttpApi.putTime(o, "revoked_at", k.revokedAt());
    return o;
  }

}
