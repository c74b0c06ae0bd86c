package dev.shoal.orchestrator.internal.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.orchestrator.internal.principals.Action;
import dev.shoal.orchestrator.internal.principals.Caller;
import dev.shoal.orchestrator.internal.principals.Directory;
import dev.shoal.orchestrator.internal.store.PairingRecord;
import dev.shoal.protocol.PeerIds;
import io.javalin.http.Context;
import java.util.Base64;
import java.util.Set;

/**
 * {@code /v1/fleet/pairings} (API.md "Fleets"): a fleet owner pairs with a worker that named it
 * in its signed descriptor, by signing the pairing too; lists its workers; ends a pairing.
 */
final class FleetRoutes {

  private static final Set<String> PAIR_FIELDS = Set.of("worker", "signed_at", "signature");

  private final HttpApi api;
  private final Directory directory;
  private final ObjectMapper mapper = new ObjectMapper();

  FleetRoutes(HttpApi api, Directory directory) {
    this.api = api;
    this.directory = directory;
  }

  /** {@code POST /v1/fleet/pairings}: the fleet owner's half; the worker's is its signed descriptor. */
  void pair(Context ctx) throws Exception {
    Caller caller = api.caller(ctx);
    String owner = caller.effective();
    if (owner.isEmpty()) {
      throw new ApiException(ApiException.Code.PERMISSION_DENIED, "only a fleet owner's key pairs workers");
    }
    api.require(caller, Action.PAIR, owner);
    JsonNode body = api.readObject(ctx, PAIR_FIELDS);
    JsonNode worker = body.get("worker");
    JsonNode signedAt = body.get("signed_at");
    JsonNode signature = body.get("signature");
    if (worker == null || !worker.isTextual() || signedAt == null || !signedAt.canConvertToLong()
        || signature == null || !signature.isTextual()) {
      throw ApiException.invalidArgument("worker (a peer id), signed_at (epoch ms) and signature (base64) are required");
    }
    byte[] sig;
    try {
      sig = Base64.getDecoder().decode(signature.asText());
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument("signature must be standard base64");
    }
    try {
      PairingRecord p = api.await(directory.pair(worker.asText(), owner, signedAt.asLong(), sig, caller.actor()));
      api.replyJson(ctx, 201, view(p));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalidArgument(e.getMessage());
    }
  }

  /** {@code GET /v1/fleet/pairings?owner=p…}: pairings in force. */
  void pairings(Context ctx) {
    String owner = ctx.queryParam("owner");
    if (owner != null && !PeerIds.isPrincipalId(owner)) {
      throw ApiException.invalidArgument("owner must be a principal id (p…)");
    }
    ObjectNode out = mapper.createObjectNode();
    ArrayNode all = out.putArray("pairings");
    directory.pairingsOf(owner == null ? "" : owner).forEach(p -> all.add(view(p)));
    api.replyJson(ctx, 200, out);
  }

  /** {@code DELETE /v1/fleet/pairings/{worker}}: the owner ends it, at once. */
  void unpair(Context ctx) throws Exception {
    String worker = ctx.pathParam("worker");
    String owner = directory.ownerOf(worker).orElseThrow(
        () -> ApiException.notFound("worker " + HttpApi.printable(worker) + " is not paired"));
    Caller caller = api.caller(ctx);
    api.require(caller, Action.PAIR, owner);
    if (!api.await(directory.unpair(worker, caller.actor()))) {
      throw ApiException.notFound("worker " + worker + " is not paired");
    }
    api.replyJson(ctx, 200, mapper.createObjectNode().put("worker", worker).put("owner", owner).put("ended", true));
  }

  private ObjectNode view(PairingRecord p) {
    return mapper.createObjectNode()
        .put("worker", p.worker())
        .put("owner", p.owner())
        .put("worker_signed_at", p.workerSignedAt())
        .put("owner_signed_at", p.ownerSignedAt())
        .put("created_at", p.createdAt());
  }
}
