// C interface of the CUDA kernels (gpu_kernels.cu), called by the Node-API wrappers
// (native/src/gpu_addon.cc) and the device check (harness/). Every call stages its inputs through
// reused pinned host buffers, copies them to the device in chunks on two streams (the copy of
// chunk k+1 overlaps the kernel of chunk k), and writes the caller's output arrays only once the
// whole call succeeded: on a CUDA error (the cudaError_t code is returned, 0 is success) the
// outputs are untouched, so the caller can rerun the batch on the CPU.
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

// Keyed aggregation over dense slot ids (a window's key x window slots): for each row i with
// 0 <= groups[i] < groupCount and a valid value, counts[g] += 1, sums[g] += values[i], and
// mins/maxs[g] take values[i] when it is lower/higher. Outputs are accumulated into (callers
// initialise fresh slots: sums and counts 0, mins NaN, maxs -inf) and any of them may be null
// (not computed); values may be null only when sums, mins and maxs all are (count(*) or count(x)).
// validity: Arrow bitmap read at bit (bitOffset + i), or null (every row valid).
// min/max use a total order: -0.0 < +0.0, and NaN above +inf (any NaN comes back as the canonical
// quiet NaN), so they do not depend on the order rows are seen. Counts are exact (< 2^53). Sums
// are atomic adds in no fixed order: exact, and so equal to any ordered sum, while every partial
// sum is an integer (or a multiple of a common power of two) below 2^53; otherwise they may differ
// from a sequential sum in the last bits.
int sabot_gpu_group_aggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                              size_t n, size_t groupCount, double* sums, double* counts, double* mins, double* maxs);

// Filter: bit i of `selection` (Arrow bitmap layout, (n + 7) / 8 bytes, bits past n cleared) is 1
// where values[i] <op> constant (op: 0 =, 1 <>, 2 <, 3 <=, 4 >, 5 >=) and the row is valid (SQL:
// NULL compares as unknown, and unknown filters the row out). *selected = the number of 1 bits.
int sabot_gpu_filter_compare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                             double constant, uint8_t* selection, size_t* selected);

// Rows per pipelined chunk (rounded up to a multiple of 32; 0 restores the default, 1 M rows).
// The device check sets small chunks so that its exact comparisons cross many chunk boundaries.
void sabot_gpu_set_chunk_rows(size_t rows);
}
