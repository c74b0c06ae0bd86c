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
    long[] perm = claim.attributes().getInts("perm"); // already checked by the operator's outputSpecs
    int rank = perm.length;
    int[] inDims = in.shape().dims();
    int[] outDims = claim.output().shape().dims();
    int[] inStrides = new int[rank];
    for (int d = rank - 1, s = 1; d >= 0; d--) {
      inStrides[d] = s;
      s *= inDims[d];
    }
    Elements c = claim.sample();
    int samples = c.size();
    int[] coord = new int[rank];
    for (int s = 0; s < samples; s++) {
      int rest = c.position(s);
      int from = 0;
      for (int d = rank - 1; d >= 0; d--) {
        coord[d] = rest % outDims[d];
        rest /= outDims[d];
        // Output axis d is input axis perm[d].
        from += coord[d] * inStrides[(int) perm[d]];
      }
      boolean same = in.dtype() == DType.INT32
          ? TensorAccess.ints(in)[from] == c.ints()[s]
          : Float.floatToIntBits(TensorAccess.floats(in)[from]) == Float.floatToIntBits(c.floats()[s]);
      if (!same) {
        return Check.fail(Check.SAMPLED_RECOMPUTE, 0, samples,
            "element " + Arrays.toString(coord) + " is " + c.show(s) + ", but its source element " + from + " is " + value(in, from));
      }
    }
    return Check.pass(Check.SAMPLED_RECOMPUTE, 0, samples, c.describe() + " traced to their source");
  }

  private static String value(Tensor t, int i) {
    return t.dtype() == DType.INT32 ? String.valueOf(t.getInt(i)) : String.valueOf(t.getFloat(i));
  }
}
