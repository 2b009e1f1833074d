// C interface of the CUDA kernels (gpu_kernels.cu), called by the Node-API wrappers (gpu_addon.cc).
// Every function copies its inputs to the device, runs, copies results back and returns 0, or a
// CUDA error code (cudaError_t) that the wrapper turns into a JS error.
#pragma once
#include <cstddef>
#include <cstdint>

extern "C" {

// What the CUDA runtime sees. Never fails: without a driver or GPU, devices is 0 and reason says
// why, in cudaGetDeviceCount's words (e.g. "cudaErrorNoDevice: no CUDA-capable device is detected").
struct SabotGpuInfo {
  int devices;         // 0 when no driver or GPU
  int runtimeVersion;  // cudart linked in, 1000*major + 10*minor (e.g. 13050)
  int driverVersion;   // newest CUDA the driver supports; 0 without a driver
  char name[256];      // device 0's name, "" without a device
  char reason[256];    // why devices is 0, "" otherwise
};
void sabot_gpu_info(SabotGpuInfo* info);

// Hash group-by aggregation over dense group ids (KeyTable output): for each row i with
// groups[i] >= 0 and a valid value, sums[g] += values[i], counts[g] += 1, mins/maxs updated.
// validity: Arrow bitmap read at bit (bitOffset + i), or null. Outputs are accumulated into
// (callers initialise them: 0, 0, +inf, -inf).
int sabot_gpu_group_aggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                              size_t n, size_t groupCount, double* sums, double* counts, double* mins, double* maxs);

// Filter: selection[i] = 1 where values[i] <op> constant (op: 0 =, 1 <>, 2 <, 3 <=, 4 >, 5 >=) and
// the row is valid, else 0 (SQL: NULL compares as unknown, and unknown filters the row out).
// Returns the number of selected rows in *selected.
int sabot_gpu_filter_compare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                             double constant, uint8_t* selection, size_t* selected);
}
