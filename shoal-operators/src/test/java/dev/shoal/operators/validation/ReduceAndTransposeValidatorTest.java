package dev.shoal.operators.validation;

import static dev.shoal.operators.validation.Fixtures.axis;
import static dev.shoal.operators.validation.Fixtures.beyondTolerance;
import static dev.shoal.operators.validation.Fixtures.honest;
import static dev.shoal.operators.validation.Fixtures.perm;
import static dev.shoal.operators.validation.Fixtures.random;
import static dev.shoal.operators.validation.Fixtures.validate;
import static dev.shoal.operators.validation.Fixtures.withElement;
import static dev.shoal.operators.validation.VerdictAssert.assertThat;

import dev.shoal.operators.Attributes;
import dev.shoal.operators.DType;
import dev.shoal.operators.Shape;
import dev.shoal.operators.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class ReduceAndTransposeValidatorTest {

  static Stream<Arguments> reduceCases() {
    List<Arguments> out = new ArrayList<>();
    for (String op : List.of("sum", "mean", "max")) {
      for (DType dtype : DType.values()) {
        if (dtype.isFloating() || !op.equals("mean")) {
          out.add(Arguments.of("tensor.reduce_" + op + "@1", dtype));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("reduceCases")
  void everyElementJustBeyondToleranceIsRejectedWithCertainty(String id, DType dtype) {
    for (long seed = 0; seed < 20; seed++) {
      // Positive inputs keep sums away from zero, where atol alone would be the bound.
      Tensor x = dtype == DType.INT32
          ? random(dtype, Shape.of(30, 40, 5), new SplittableRandom(seed))
          : Fixtures.uniform(dtype, Shape.of(30, 40, 5), 0.5, 1, new SplittableRandom(seed));
      Attributes attrs = axis(1);
      Tensor forged = beyondTolerance(honest(id, attrs, x));
      Verdict v = validate(id, attrs, List.of(x), forged, ValidationSettings.LIGHT, seed);
      assertThat(v).failsAt(Check.SAMPLED_RECOMPUTE).ran(Check.STRUCTURE, Check.SAMPLED_RECOMPUTE);
    }
  }

  /** A max below one element of its slice is caught by recomputing that slice. */
  @Test
  void aMaxBelowAnElementOfItsSliceIsRejected() {
    Tensor x = Tensor.float32(Shape.of(2, 4), new float[] {1, 9, 3, 4, -1, -2, -3, -0.5f});
    Tensor forged = Tensor.float32(Shape.of(2), new float[] {4, -0.5f});
    assertThat(validate("tensor.reduce_max@1", axis(1), List.of(x), forged, 1)).failsAt(Check.SAMPLED_RECOMPUTE).detailContains("element 0");
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("reduceCases")
  void garbageAndNaNAreRejected(String id, DType dtype) {
    Tensor x = random(dtype, Shape.of(6, 7), new SplittableRandom(3));
    Tensor c = honest(id, axis(0), x);
    assertThat(validate(id, axis(0), List.of(x), random(dtype, c.shape(), new SplittableRandom(4)), 1)).failsAt(Check.SAMPLED_RECOMPUTE);
    if (dtype.isFloating()) {
      assertThat(validate(id, axis(0), List.of(x), withElement(c, 2, Float.NaN), 1)).failsAt(Check.SAMPLED_RECOMPUTE);
      assertThat(validate(id, axis(0), List.of(x), withElement(c, 2, Float.POSITIVE_INFINITY), 1)).failsAt(Check.SAMPLED_RECOMPUTE);
    }
  }

  @Test
  void aSumThatOverflowsMustBeInfinity() {
    Tensor x = Tensor.float32(Shape.of(2), new float[] {3e38f, 3e38f});
    assertThat(validate("tensor.reduce_sum@1", axis(0), List.of(x), honest("tensor.reduce_sum@1", axis(0), x), 1)).passes();
    assertThat(validate("tensor.reduce_sum@1", axis(0), List.of(x), Tensor.float32(Shape.of(), new float[] {Float.MAX_VALUE}), 1))
        .failsAt(Check.SAMPLED_RECOMPUTE);
  }

  @ParameterizedTest
  @EnumSource(DType.class)
  void transposeWithAnyElementMovedIsRejected(DType dtype) {
    for (long seed = 0; seed < 20; seed++) {
      Tensor x = random(dtype, Shape.of(3, 4, 5), new SplittableRandom(seed));
      Attributes attrs = perm(2, 0, 1);
      Tensor c = honest("tensor.transpose@1", attrs, x);
      // The input reshaped instead of transposed: same elements, wrong places.
      Tensor reshaped = dtype == DType.INT32 ? Tensor.int32(c.shape(), x.toIntArray()) : Fixtures.floats(dtype, c.shape(), x.toFloatArray());
      assertThat(validate("tensor.transpose@1", attrs, List.of(x), reshaped, ValidationSettings.LIGHT, seed)).failsAt(Check.SAMPLED_RECOMPUTE);
      assertThat(validate("tensor.transpose@1", attrs, List.of(x), beyondTolerance(c), ValidationSettings.LIGHT, seed)).failsAt(Check.SAMPLED_RECOMPUTE);
    }
  }

  @Test
  void transposeMustCopyBitForBit() {
    Tensor x = Tensor.float32(Shape.of(2, 2), new float[] {1, 2, 3, 4});
    Tensor slightlyOff = Tensor.float32(Shape.of(2, 2), new float[] {1, 3, 2, Math.nextUp(4f)});
    assertThat(validate("tensor.transpose@1", perm(1, 0), List.of(x), slightlyOff, 1))
        .failsAt(Check.SAMPLED_RECOMPUTE).detailContains("element [1, 1]");
  }
}
