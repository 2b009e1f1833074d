#include "reference.h"

#include <cstring>

#include "kernel_ops.h"

namespace sabot_check {

using sabot_ops::orderedKey;
using sabot_ops::validAt;

void groupAggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset, size_t n,
                    size_t groupCount, double* sums, double* counts, double* mins, double* maxs, bool reverse) {
  for (size_t k = 0; k < n; k++) {
    const size_t i = reverse ? n - 1 - k : k;
    const int32_t g = groups[i];
    if (g < 0 || size_t(g) >= groupCount || !validAt(validity, bitOffset + int64_t(i))) continue;
    if (counts) counts[g] += 1;
    if (!values) continue;
    const double v = values[i];
    if (sums) sums[g] += v;
    if (mins && orderedKey(v) < orderedKey(mins[g])) mins[g] = sabot_ops::fromOrderedKey(orderedKey(v));
    if (maxs && orderedKey(v) > orderedKey(maxs[g])) maxs[g] = sabot_ops::fromOrderedKey(orderedKey(v));
  }
}

size_t filterCompare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op, double c,
                     uint8_t* selection) {
  std::memset(selection, 0, (n + 7) / 8);
  size_t selected = 0;
  for (size_t i = 0; i < n; i++) {
    if (!validAt(validity, bitOffset + int64_t(i)) || !sabot_ops::compare(values[i], op, c)) continue;
    selection[i >> 3] |= uint8_t(1u << (i & 7));
    selected++;
  }
  return selected;
}

}  // namespace sabot_check
