package dev.shoal.operators.validation;

import dev.shoal.operators.DType;
import dev.shoal.operators.Tensor;
import dev.shoal.operators.internal.TensorAccess;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * {@code tensor.transpose@1}: sampled recomputation. Transposing only moves elements, so each
 * sampled output element must be bit for bit its source element under the permutation (any NaN
 * matches any NaN, as {@link Tensor#equals} has it).
 */
final class TransposeValidator extends OperatorValidator {

  TransposeValidator() {
    super("tensor.transpose@1");
  }

  @Override
  List<Function<Claim, Check>> checks(Claim claim) {
    return List.of(TransposeValidator::sampled);
  }

  private static Check sampled(Claim claim) {
    Tensor in = claim.input(0);
    Tensor out = claim.output();
    long[] perm = claim.attributes().getInts("perm"); // already checked by the operator's outputSpecs
    int rank = perm.length;
    int[] inDims = in.shape().dims();
    int[] outDims = out.shape().dims();
    int[] inStrides = new int[rank];
    for (int d = rank - 1, s = 1; d >= 0; d--) {
      inStrides[d] = s;
      s *= inDims[d];
    }
    int count = (int) out.elementCount();
    int[] positions = Sampling.positions(count, claim.settings().samples(), claim.random());
    int[] coord = new int[rank];
    for (int o : positions) {
      int rest = o;
      int from = 0;
      for (int d = rank - 1; d >= 0; d--) {
        coord[d] = rest % outDims[d];
        rest /= outDims[d];
        // Output axis d is input axis perm[d].
        from += coord[d] * inStrides[(int) perm[d]];
      }
      boolean same = in.dtype() == DType.INT32
          ? TensorAccess.ints(in)[from] == TensorAccess.ints(out)[o]
          : Float.floatToIntBits(TensorAccess.floats(in)[from]) == Float.floatToIntBits(TensorAccess.floats(out)[o]);
      if (!same) {
        return Check.fail(Check.SAMPLED_RECOMPUTE, 0, positions.length,
            "element " + Arrays.toString(coord) + " is " + value(out, o) + ", but its source element " + from + " is " + value(in, from));
      }
    }
    return Check.pass(Check.SAMPLED_RECOMPUTE, 0, positions.length, Sampling.describe(positions.length, count) + " traced to their source");
  }

  private static String value(Tensor t, int i) {
    return t.dtype() == DType.INT32 ? String.valueOf(t.getInt(i)) : String.valueOf(t.getFloat(i));
  }
}
