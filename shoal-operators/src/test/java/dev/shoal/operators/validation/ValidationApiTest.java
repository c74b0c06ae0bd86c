package dev.shoal.operators.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.operators.OperatorException;
import dev.shoal.operators.OperatorId;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The value types the orchestrator stores and the checks on their construction. */
class ValidationApiTest {

  @Test
  void settingsHaveDocumentedPresetsAndBounds() {
    assertThat(ValidationSettings.DEFAULT).isEqualTo(new ValidationSettings(8, 32));
    assertThat(ValidationSettings.LIGHT).isEqualTo(new ValidationSettings(2, 8));
    new ValidationSettings(1, 1);
    new ValidationSettings(ValidationSettings.MAX_ROUNDS, ValidationSettings.MAX_SAMPLES);
    assertThatIllegalArgumentException().isThrownBy(() -> new ValidationSettings(0, 8)).withMessageContaining("freivaldsRounds");
    assertThatIllegalArgumentException().isThrownBy(() -> new ValidationSettings(65, 8)).withMessageContaining("freivaldsRounds");
    assertThatIllegalArgumentException().isThrownBy(() -> new ValidationSettings(8, 0)).withMessageContaining("samples");
    assertThatIllegalArgumentException().isThrownBy(() -> new ValidationSettings(8, ValidationSettings.MAX_SAMPLES + 1)).withMessageContaining("samples");
  }

  @Test
  void checkMethodsAreTheStableNames() {
    assertThat(Check.METHODS).containsExactlyInAnyOrder("structure", "invariants", "freivalds", "sampled_recompute", "full_recompute");
    assertThatIllegalArgumentException().isThrownBy(() -> new Check("guess", 0, 0, true, "")).withMessageContaining("guess");
    assertThatIllegalArgumentException().isThrownBy(() -> new Check("freivalds", -1, 0, true, ""));
    assertThatThrownBy(() -> new Check("freivalds", 1, 0, true, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void aVerdictPassesExactlyWhenEveryCheckDoes() {
    Check ok = new Check(Check.STRUCTURE, 0, 0, true, "fine");
    Check bad = new Check(Check.FREIVALDS, 3, 0, false, "row 2 is wrong");
    Verdict failed = Verdict.of(List.of(ok, bad));
    assertThat(failed.passed()).isFalse();
    assertThat(failed.firstFailure()).contains(bad);
    assertThat(failed.failureDetail()).isEqualTo("freivalds: row 2 is wrong");
    assertThat(failed.check(Check.STRUCTURE)).contains(ok);
    assertThat(failed.check(Check.INVARIANTS)).isEmpty();
    Verdict passed = Verdict.of(List.of(ok));
    assertThat(passed.passed()).isTrue();
    assertThat(passed.failureDetail()).isEmpty();
    assertThatIllegalArgumentException().isThrownBy(() -> new Verdict(true, List.of(ok, bad)));
    assertThatIllegalArgumentException().isThrownBy(() -> new Verdict(false, List.of(ok)));
    assertThatIllegalArgumentException().isThrownBy(() -> Verdict.of(List.of()));
  }

  @Test
  void anOperatorWithoutAValidatorIsUnsupported() {
    assertThatThrownBy(() -> Validators.forOperator(OperatorId.parse("tensor.conv@1")))
        .isInstanceOfSatisfying(OperatorException.class, e -> assertThat(e.kind()).isEqualTo(OperatorException.Kind.UNSUPPORTED))
        .hasMessageContaining("tensor.conv@1");
    assertThatThrownBy(() -> Validators.forOperator(OperatorId.parse("tensor.matmul@2"))).isInstanceOf(OperatorException.class);
  }
}
