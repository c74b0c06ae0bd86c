package dev.shoal.operators.validation;

import java.util.List;
import java.util.function.Function;

/** {@code shoal.noop@1}: no outputs is the whole result, so the structure check is all there is. */
final class NoopValidator extends OperatorValidator {

  NoopValidator() {
    super("shoal.noop@1");
  }

  @Override
  List<Function<Claim, Check>> checks(Claim claim) {
    return List.of();
  }
}
