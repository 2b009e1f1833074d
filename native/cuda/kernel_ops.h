// Row-level operations shared by the CUDA kernels (gpu_kernels.cu) and their CPU reference
// (harness/reference.cc), so both read validity and compare exactly alike.
#pragma once
#include <cstdint>

#ifdef __CUDACC__
#define SABOT_HD __host__ __device__
#else
#define SABOT_HD
#endif

namespace sabot_ops {

// Arrow validity: bit j of the bitmap, or valid when there is no bitmap.
SABOT_HD inline bool validAt(const uint8_t* bits, int64_t j) { return bits == nullptr || ((bits[j >> 3] >> (j & 7)) & 1); }

// values[i] <op> c for op 0 =, 1 <>, 2 <, 3 <=, 4 >, 5 >= (IEEE: NaN compares false, except <>).
SABOT_HD inline bool compare(double v, int op, double c) {
  switch (op) {
    case 0: return v == c;
    case 1: return v != c;
    case 2: return v < c;
    case 3: return v <= c;
    case 4: return v > c;
    default: return v >= c;
  }
}

}  // namespace sabot_ops
