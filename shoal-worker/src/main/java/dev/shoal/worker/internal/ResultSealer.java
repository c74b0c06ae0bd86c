package dev.shoal.worker.internal;

import dev.shoal.protocol.Ed25519;
import dev.shoal.protocol.ResultSignatures;
import dev.shoal.protocol.v1.ResultDescriptor;
import java.security.KeyPair;
import java.util.List;

/**
 * The last step before a result leaves the worker: it is signed with the worker's key over its
 * canonical encoding (PROTOCOL.md "Signatures"), which is what lets the orchestrator hold this
 * worker, and only this worker, to what it claims.
 */
class ResultSealer {

  private final Ed25519.Signer signer;

  ResultSealer(KeyPair keys) {
    this.signer = Ed25519.signer(keys);
  }

  /** The messages to send for one result, in order; an honest worker sends just the signed result. */
  List<ResultDescriptor> seal(ResultDescriptor unsigned) {
    return List.of(sign(unsigned));
  }

  final ResultDescriptor sign(ResultDescriptor unsigned) {
    return ResultSignatures.sign(unsigned, signer);
  }
}
