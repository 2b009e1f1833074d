// Row-level operations shared by the CUDA kernels (gpu_kernels.cu) and their CPU reference
// (harness/reference.cc), so both read validity, compare and order values exactly alike.
#pragma once
#include <cstdint>
#include <cstring>

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

constexpr uint64_t kCanonicalNaN = 0x7FF8000000000000ull;
constexpr uint64_t kSign = 0x8000000000000000ull;

// min/max order (the engine's, runtime/operators/window/numeric-accumulators.ts): -0.0 < +0.0 and
// every NaN above +inf, as one canonical NaN. As unsigned keys that order is plain integer order,
// so the GPU folds with native 64-bit atomicMin/atomicMax and the result is the same whatever
// order the rows arrive in.
SABOT_HD inline uint64_t orderedKey(double v) {
  uint64_t b = kCanonicalNaN;
  if (v == v) std::memcpy(&b, &v, sizeof b);
  return (b & kSign) ? ~b : (b | kSign);
}

SABOT_HD inline double fromOrderedKey(uint64_t k) {
  const uint64_t b = (k & kSign) ? (k & ~kSign) : ~k;
  double v;
  std::memcpy(&v, &b, sizeof v);
  return v;
}

}  // namespace sabot_ops
