// CPU reference of the CUDA kernels (gpu_kernels.h), same arguments and semantics, single thread:
// what the device check compares the GPU's results against and times it beside. The engine's CPU
// aggregation and filters are TypeScript (runtime/operators); these loops follow their semantics
// (rows without a slot or with a null value are skipped; NULL filters a row out; min/max in the
// total order -0 < +0 < NaN). The validity test, comparison and order are shared with the kernels
// (kernel_ops.h).
#pragma once
#include <cstddef>
#include <cstdint>

namespace sabot_check {

// Outputs may be null (not computed), as in sabot_gpu_group_aggregate. reverse: visit rows last
// to first (the harness's CPU stand-in for the GPU, fake_gpu.cc, folds in another order).
void groupAggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset, size_t n,
                    size_t groupCount, double* sums, double* counts, double* mins, double* maxs, bool reverse = false);

// selection: (n + 7) / 8 bytes, Arrow bitmap layout; returns the number of selected rows.
size_t filterCompare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op, double constant,
                     uint8_t* selection);

}  // namespace sabot_check
