package dev.shoal.operators.validation;

import java.util.List;
import org.assertj.core.api.AbstractAssert;

/** AssertJ assertions on a {@link Verdict} whose failure messages say which check failed and why. */
final class VerdictAssert extends AbstractAssert<VerdictAssert, Verdict> {

  private VerdictAssert(Verdict actual) {
    super(actual, VerdictAssert.class);
  }

  static VerdictAssert assertThat(Verdict verdict) {
    return new VerdictAssert(verdict);
  }

  VerdictAssert passes() {
    isNotNull();
    if (!actual.passed()) {
      failWithMessage("expected the verdict to pass, but %s (checks %s)", actual.failureDetail(), actual.checks());
    }
    return this;
  }

  /** Fails, and the check that failed is {@code method} (checking stops there, so it is the last). */
  VerdictAssert failsAt(String method) {
    isNotNull();
    if (actual.passed()) {
      failWithMessage("expected the verdict to fail at %s, but it passed: %s", method, actual.checks());
    }
    Check failed = actual.firstFailure().orElseThrow();
    if (!failed.method().equals(method)) {
      failWithMessage("expected the verdict to fail at %s, but it failed at %s", method, actual.failureDetail());
    }
    if (actual.checks().getLast() != failed) {
      failWithMessage("checks went on after the failure: %s", actual.checks());
    }
    return this;
  }

  VerdictAssert fails() {
    isNotNull();
    if (actual.passed()) {
      failWithMessage("expected the verdict to fail, but it passed: %s", actual.checks());
    }
    return this;
  }

  /** The methods of the checks run, in order. */
  VerdictAssert ran(String... methods) {
    isNotNull();
    List<String> ran = actual.checks().stream().map(Check::method).toList();
    if (!ran.equals(List.of(methods))) {
      failWithMessage("expected checks %s, but ran %s", List.of(methods), ran);
    }
    return this;
  }

  VerdictAssert detailContains(String text) {
    isNotNull();
    if (!actual.failureDetail().contains(text)) {
      failWithMessage("expected the failure detail to contain '%s', but it is '%s'", text, actual.failureDetail());
    }
    return this;
  }
}
