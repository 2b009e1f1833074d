// A CPU stand-in for gpu_kernels.cu with the same C interface, for testing the harness itself
// where there is no GPU (CI builds and runs sabot_gpu_check_fake): it visits rows in reverse, as
// unordered GPU atomics might, so the exact comparison is exercised, and reports one fake device.
#include <cstdio>
#include <cstring>

#include "gpu_kernels.h"
#include "kernel_ops.h"
#include "reference.h"

using sabot_ops::orderedKey;
using sabot_ops::validAt;

extern "C" void sabot_gpu_info(SabotGpuInfo* info) {
  std::memset(info, 0, sizeof(*info));
  info->devices = 1;
  std::snprintf(info->name, sizeof(info->name), "fake GPU (harness self-test, CPU)");
}

extern "C" int sabot_gpu_group_aggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                                         size_t n, size_t groupCount, double* sums, double* counts, double* mins, double* maxs) {
  for (size_t k = n; k-- > 0;) {
    const int32_t g = groups[k];
    if (g < 0 || size_t(g) >= groupCount || !validAt(validity, bitOffset + int64_t(k))) continue;
    if (counts) counts[g] += 1;
    if (!values) continue;
    const double v = values[k];
    if (sums) sums[g] += v;
    if (mins && orderedKey(v) < orderedKey(mins[g])) mins[g] = sabot_ops::fromOrderedKey(orderedKey(v));
    if (maxs && orderedKey(v) > orderedKey(maxs[g])) maxs[g] = sabot_ops::fromOrderedKey(orderedKey(v));
  }
  return 0;
}

extern "C" int sabot_gpu_filter_compare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                                        double constant, uint8_t* selection, size_t* selected) {
  *selected = sabot_check::filterCompare(values, validity, bitOffset, n, op, constant, selection);
  return 0;
}

// The stand-in has no chunks; the harness still calls it.
extern "C" void sabot_gpu_set_chunk_rows(size_t) {}
