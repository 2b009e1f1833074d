#include "reference.h"

#include "kernel_ops.h"

namespace sabot_check {

using sabot_ops::validAt;

void groupAggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset, size_t n,
                    size_t groupCount, double* sums, double* counts, double* mins, double* maxs) {
  for (size_t i = 0; i < n; i++) {
    const int32_t g = groups[i];
    if (g < 0 || size_t(g) >= groupCount || !validAt(validity, bitOffset + int64_t(i))) continue;
    const double v = values[i];
    sums[g] += v;
    counts[g] += 1;
    if (v < mins[g]) mins[g] = v;
    if (v > maxs[g]) maxs[g] = v;
  }
}

size_t filterCompare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op, double c,
                     uint8_t* selection) {
  size_t selected = 0;
  for (size_t i = 0; i < n; i++) {
    const bool keep = validAt(validity, bitOffset + int64_t(i)) && sabot_ops::compare(values[i], op, c);
    selection[i] = keep ? 1 : 0;
    selected += keep ? 1 : 0;
  }
  return selected;
}

}  // namespace sabot_check
