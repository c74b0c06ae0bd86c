package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.principals.Action;
import dev.shoal.orchestrator.internal.principals.Caller;
import dev.shoal.orchestrator.internal.principals.DelegateScope;
import dev.shoal.orchestrator.internal.principals.Directory;
import dev.shoal.orchestrator.internal.principals.PrincipalKind;
import dev.shoal.orchestrator.internal.store.DelegationRecord;
import dev.shoal.orchestrator.internal.store.PrincipalRecord;
import dev.shoal.protocol.PeerIds;
import io.javalin.http.Context;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;

/**
 * {@code /v1/principals} (API.md "Principals and delegates"): an admin registers clients and fleet
 * owners (each proving it holds its key); a principal authorises, lists and revokes its delegates;
 * anyone with {@code read} asks whether a key is a delegate of a principal, and for what.
 */
final class PrincipalRoutes {

  private static final Set<String> REGISTER_FIELDS = Set.of("kind", "name", "public_key", "signed_at", "signature");
  private static final Set<String> GRANT_FIELDS = Set.of("delegate", "scopes", "expires_at");

  private final HttpApi api;
  private final Directory directory;
  private final ObjectMapper mapper = new ObjectMapper();

  PrincipalRoutes(HttpApi api, Directory directory) {
    this.api = api;
    this.directory = directory;
  }

  /** {@code POST /v1/principals} (admin). */
  void register(Context ctx) throws Exception {
    JsonNode body = api.readObject(ctx, REGISTER_FIELDS);
    PrincipalKind kind;
    try {
      kind = PrincipalKind.fromWire(text(body, "kind"));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
    byte[] publicKey = base64(body, "public_key");
    byte[] signature = base64(body, "signature");
    JsonNode signedAt = body.get("signed_at");
    if (signedAt == null || !signedAt.canConvertToLong()) {
      throw ApiException.invalidArgument("signed_at must be the signing time in epoch milliseconds");
    }
    PrincipalRecord r;
    try {
      r = api.await(directory.register(kind, text(body, "name"), publicKey, signedAt.asLong(), signature, api.caller(ctx).actor()));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
    api.replyJson(ctx, 201, view(r));
  }

  void list(Context ctx) {
    ObjectNode out = mapper.createObjectNode();
    ArrayNode all = out.putArray("principals");
    directory.principals().forEach(p -> all.add(view(p)));
    api.replyJson(ctx, 200, out);
  }

  void get(Context ctx) {
    api.replyJson(ctx, 200, view(known(ctx.pathParam("id"))));
  }

  /** {@code POST /v1/principals/{id}/delegates}: the principal itself authorises a delegate. */
  void grant(Context ctx) throws Exception {
    String principal = known(ctx.pathParam("id")).id();
    Caller caller = api.caller(ctx);
    api.require(caller, Action.DELEGATE, principal);
    JsonNode body = api.readObject(ctx, GRANT_FIELDS);
    String delegate = text(body, "delegate");
    JsonNode scopes = body.get("scopes");
    if (scopes == null || !scopes.isArray() || scopes.isEmpty()) {
      throw ApiException.invalidArgument("scopes must be a non-empty list: publish, cancel, confirm or register, assign");
    }
    Set<DelegateScope> parsed = EnumSet.noneOf(DelegateScope.class);
    for (JsonNode s : scopes) {
      try {
        parsed.add(DelegateScope.fromWire(s.isTextual() ? s.asText() : s.toString()));
      } catch (IllegalArgumentException e) {
        throw ApiException.invalidArgument(e.getMessage());
      }
    }
    JsonNode expires = body.get("expires_at");
    if (expires != null && !expires.isNull() && (!expires.canConvertToLong() || expires.asLong() < 0)) {
      throw ApiException.invalidArgument("expires_at must be epoch milliseconds, or absent for no expiry");
    }
    long expiresAt = expires == null || expires.isNull() ? 0 : expires.asLong();
    try {
      DelegationRecord d = api.await(directory.grant(principal, delegate, parsed, expiresAt, caller.actor()));
      api.replyJson(ctx, 201, view(d));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
  }

  void delegates(Context ctx) {
    String principal = known(ctx.pathParam("id")).id();
    ObjectNode out = mapper.createObjectNode();
    ArrayNode all = out.putArray("delegates");
    directory.delegationsOf(principal).forEach(d -> all.add(view(d)));
    api.replyJson(ctx, 200, out);
  }

  /** {@code GET /v1/principals/{id}/delegates/{delegate}}: is it one now, and for what? */
  void check(Context ctx) {
    String principal = known(ctx.pathParam("id")).id();
    String delegate = ctx.pathParam("delegate");
    ObjectNode out = mapper.createObjectNode().put("principal", principal).put("delegate", HttpApi.printable(delegate));
    DelegationRecord d = directory.delegation(principal, delegate).orElse(null);
    boolean inForce = d != null && directory.inForce(d);
    out.put("is_delegate", inForce);
    ArrayNode scopes = out.putArray("scopes");
    if (inForce) {
      d.scopes().forEach(scopes::add);
      HttpApi.putTime(out, "expires_at", d.expiresAt());
    }
    api.replyJson(ctx, 200, out);
  }

  /** {@code DELETE /v1/principals/{id}/delegates/{delegate}}: immediate. */
  void revoke(Context ctx) throws Exception {
    String principal = known(ctx.pathParam("id")).id();
    Caller caller = api.caller(ctx);
    api.require(caller, Action.DELEGATE, principal);
    String delegate = ctx.pathParam("delegate");
    if (!api.await(directory.revoke(principal, delegate, caller.actor()))) {
      throw ApiException.notFound(HttpApi.printable(delegate) + " is not a delegate of " + principal + " now");
    }
    api.replyJson(
        ctx, 200, mapper.createObjectNode().put("principal", principal).put("delegate", HttpApi.printable(delegate)).put("revoked", true));
  }

  private PrincipalRecord known(String id) {
    if (!PeerIds.isPrincipalId(id)) {
      throw ApiException.invalidArgument("a principal id looks like p followed by 32 base32 characters, got '" + HttpApi.printable(id) + "'");
    }
    return directory.principal(id).orElseThrow(() -> ApiException.notFound("no principal " + id));
  }


  private static String text(JsonNode body, String field) {
    JsonNode v = body.get(field);
    if (v == null || !v.isTextual()) {
      throw ApiException.invalidArgument(field + " is required and must be a string");
    }
    return v.asText();
  }

  private static byte[] base64(JsonNode body, String field) {
    try {
      return Base64.getDecoder().decode(text(body, field));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(field + " must be standard base64");
    }
  }

  private ObjectNode view(PrincipalRecord p) {
    return mapper.createObjectNode()
        .put("id", p.id())
        .put("kind", p.kind())
        .put("name", p.name())
        .put("public_key", Base64.getEncoder().encodeToString(p.publicKey()))
        .put("created_at", p.createdAt());
  }

  private ObjectNode view(DelegationRecord d) {
    ObjectNode o = mapper.createObjectNode().put("principal", d.principal()).put("delegate", d.delegate());
    ArrayNode scopes = o.putArray("scopes");
    d.scopes().forEach(scopes::add);
    HttpApi.putTime(o, "expires_at", d.expiresAt());
    o.put("created_at", d.createdAt());
    HttpApi.putTime(o, "revoked_at", d.revokedAt());
    o.put("in_force", directory.inForce(d));
    return o;
  }

}
