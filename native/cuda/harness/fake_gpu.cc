// A CPU stand-in for gpu_kernels.cu with the same C interface, for testing the harness itself
// where there is no GPU (CI builds and runs sabot_gpu_check_fake): it visits rows in reverse, as
// unordered GPU atomics might, so the exact comparison is exercised, and reports one fake device.
#include <cstdio>
#include <cstring>

#include "gpu_kernels.h"
#include "reference.h"

extern "C" void sabot_gpu_info(SabotGpuInfo* info) {
  std::memset(info, 0, sizeof(*info));
  info->devices = 1;
  std::snprintf(info->name, sizeof(info->name), "fake GPU (harness self-test, CPU)");
}

extern "C" int sabot_gpu_group_aggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                                         size_t n, size_t groupCount, double* sums, double* counts, double* mins, double* maxs) {
  sabot_check::groupAggregate(groups, values, validity, bitOffset, n, groupCount, sums, counts, mins, maxs, true);
  return 0;
}

extern "C" int sabot_gpu_filter_compare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                                        double constant, uint8_t* selection, size_t* selected) {
  *selected = sabot_check::filterCompare(values, validity, bitOffset, n, op, constant, selection);
  return 0;
}

// The stand-in has no chunks; the harness still calls it.
extern "C" void sabot_gpu_set_chunk_rows(size_t) {}
