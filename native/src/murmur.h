// Murmur3 32-bit mixing, bit-for-bit the same as runtime/kernels/hash.ts: a row's hash decides its
// key group, so the native and TypeScript kernels must agree in every process.
#pragma once
#include <cstdint>
#include <cstring>

// Hot loops get an AVX2 clone next to the baseline x86-64 one, picked at load time by the CPU:
// murmur's 32-bit multiplies only vectorize with AVX2 (SSE2 lacks pmulld), and -march=native
// would tie the image to the build machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#define SABOT_HOT __attribute__((target_clones("avx2", "default")))
#else
#define SABOT_HOT
#endif

namespace sabot {

constexpr uint32_t C1 = 0xcc9e2d51u;
constexpr uint32_t C2 = 0x1b873593u;
constexpr uint32_t NULL_HASH = 0x9e3779b9u;

inline uint32_t rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

inline uint32_t mixK(uint32_t h, uint32_t k) {
  k *= C1;
  k = rotl(k, 15);
  k *= C2;
  h ^= k;
  h = rotl(h, 13);
  return h * 5u + 0xe6546b64u;
}

inline uint32_t finalize(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

inline uint32_t load4(const uint8_t* p) {
  uint32_t k;
  std::memcpy(&k, p, 4);  // x86 and arm64 are little-endian, as the TS kernel assumes
  return k;
}

// Mixes the 4-byte blocks of bytes [i, end) and the tail into h (no length yet).
inline uint32_t hashBytesFrom(const uint8_t* b, int32_t i, int32_t end, uint32_t h) {
  for (; i + 4 <= end; i += 4) h = mixK(h, load4(b + i));
  uint32_t k = 0;
  switch (end - i) {
    case 3: k |= uint32_t(b[i + 2]) << 16; [[fallthrough]];
    case 2: k |= uint32_t(b[i + 1]) << 8; [[fallthrough]];
    case 1: k |= uint32_t(b[i]);
  }
  return mixK(h, k);
}

// Hash of bytes [start, end) continuing from seed; the TS kernel's hashBytes.
inline uint32_t hashBytes(const uint8_t* b, int32_t start, int32_t end, uint32_t seed) {
  return hashBytesFrom(b, start, end, seed) ^ uint32_t(end - start);
}

// Hashes four rows' byte spans in lockstep over their common number of blocks: four independent
// murmur chains let the CPU overlap multiply latencies that one chain leaves idle.
inline void hashBytes4(const uint8_t* b, const int32_t* s, const int32_t* e, uint32_t* h) {
  int32_t blocks = (e[0] - s[0]) >> 2;
  for (int r = 1; r < 4; r++) blocks = ((e[r] - s[r]) >> 2) < blocks ? ((e[r] - s[r]) >> 2) : blocks;
  uint32_t h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3];
  for (int32_t j = 0; j < blocks * 4; j += 4) {
    h0 = mixK(h0, load4(b + s[0] + j));
    h1 = mixK(h1, load4(b + s[1] + j));
    h2 = mixK(h2, load4(b + s[2] + j));
    h3 = mixK(h3, load4(b + s[3] + j));
  }
  const uint32_t hs[4] = {h0, h1, h2, h3};
  for (int r = 0; r < 4; r++) h[r] = hashBytesFrom(b, s[r] + blocks * 4, e[r], hs[r]) ^ uint32_t(e[r] - s[r]);
}

inline bool bitAt(const uint8_t* bits, int64_t j) { return (bits[j >> 3] >> (j & 7)) & 1; }

}  // namespace sabot
