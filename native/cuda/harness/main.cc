// Device check: the CUDA kernels (gpu_kernels.h) against the CPU reference (reference.h) on
// randomized batches (nulls, bit offsets, skewed and out-of-range keys, empty batches, NaN and
// signed zeros for min/max and the filter), compared bit for bit, once with the default chunk
// size and once with small chunks so every batch crosses many chunk boundaries of the pipelined
// copies; then both timed at 16K..4M rows in one table. Needs no Node: device-check.sh builds and
// runs it on a GPU machine.
//
// Exit: 0 all results exact; 1 a mismatch (printed); 2 bad arguments; 3 no CUDA device (the
// reason from cudaGetDeviceCount is printed): on a machine without a GPU that is the expected end.
// Usage: sabot_gpu_check [--quick]   (--quick: sizes up to 1M, fewer repetitions)
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "gpu_kernels.h"
#include "reference.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Batch {
  std::vector<int32_t> groups;
  std::vector<double> values;
  std::vector<uint8_t> validity;  // empty: no bitmap (all valid)
  int64_t bitOffset = 0;
  size_t groupCount = 1;
  const uint8_t* bits() const { return validity.empty() ? nullptr : validity.data(); }
};

struct Shape {
  size_t rows, groups;
  double nullFraction;  // < 0: no bitmap at all
  bool skewed;
  int64_t bitOffset;
};

// Values are multiples of 1/4 below 2^20 in magnitude: every sum of up to 4M of them is exact in
// a double, so the GPU's atomic (unordered) sums must equal the CPU's bit for bit. NaN and -0.0
// are added only where sums are not computed (spiceMinMaxValues): a sum with NaN is NaN, but
// which NaN bits depends on the hardware.
Batch makeBatch(std::mt19937_64& rng, const Shape& s) {
  Batch b;
  b.groupCount = s.groups;
  b.bitOffset = s.bitOffset;
  b.groups.resize(s.rows);
  b.values.resize(s.rows);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::uniform_int_distribution<int64_t> k(-(int64_t(1) << 22), int64_t(1) << 22);
  for (size_t i = 0; i < s.rows; i++) {
    // Skewed: a power law concentrates most rows on a few hot keys (atomics contend there).
    const double x = s.skewed ? std::pow(u(rng), 6.0) : u(rng);
    int32_t g = int32_t(std::min<double>(double(s.groups) - 1, std::floor(x * double(s.groups))));
    if (u(rng) < 0.01) g = -1;  // a row outside every window/key slot
    if (u(rng) < 0.001) g = int32_t(s.groups);  // out of range: both sides must skip it
    b.groups[i] = g;
    b.values[i] = double(k(rng)) / 4.0;
  }
  if (s.nullFraction >= 0) {
    b.validity.assign(size_t((s.bitOffset + int64_t(s.rows) + 7) / 8) + 1, 0);
    for (size_t i = 0; i < s.rows; i++) {
      const int64_t j = s.bitOffset + int64_t(i);
      if (u(rng) >= s.nullFraction) b.validity[size_t(j >> 3)] |= uint8_t(1u << (j & 7));
    }
  }
  return b;
}

struct Aggregates {
  std::vector<double> sums, counts, mins, maxs;
  explicit Aggregates(size_t g)
      : sums(g, 0.0), counts(g, 0.0), mins(g, std::nan("")), maxs(g, -std::numeric_limits<double>::infinity()) {}
};

std::string cudaFailure(int rc) {
  return std::string(cudaGetErrorName(cudaError_t(rc))) + ": " + cudaGetErrorString(cudaError_t(rc));
}

// First differing index of two double arrays, bitwise (so -0.0 vs 0.0 and NaN payloads count), or -1.
long firstDiff(const std::vector<double>& a, const std::vector<double>& b) {
  for (size_t i = 0; i < a.size(); i++)
    if (std::memcmp(&a[i], &b[i], sizeof(double)) != 0) return long(i);
  return -1;
}

// Which outputs a case asks for, as the engine's accumulators do: all four, count only (count(*)
// or count(x): no values), or min and max only (values with NaN and signed zeros).
enum class Outputs { All, CountOnly, MinMax };

bool checkAggregate(const Batch& b, Outputs want, const char* label) {
  Aggregates cpu(b.groupCount), gpu(b.groupCount);
  const size_t n = b.groups.size();
  const bool all = want == Outputs::All, minmax = want != Outputs::CountOnly;
  const double* values = want == Outputs::CountOnly ? nullptr : b.values.data();
  auto pick = [](bool on, std::vector<double>& v) { return on ? v.data() : nullptr; };
  sabot_check::groupAggregate(b.groups.data(), values, b.bits(), b.bitOffset, n, b.groupCount, pick(all, cpu.sums),
                              pick(want != Outputs::MinMax, cpu.counts), pick(minmax, cpu.mins), pick(minmax, cpu.maxs));
  const int rc = sabot_gpu_group_aggregate(b.groups.data(), values, b.bits(), b.bitOffset, n, b.groupCount, pick(all, gpu.sums),
                                           pick(want != Outputs::MinMax, gpu.counts), pick(minmax, gpu.mins), pick(minmax, gpu.maxs));
  if (rc != 0) {
    std::printf("MISMATCH %s: group aggregate failed on the GPU: %s\n", label, cudaFailure(rc).c_str());
    return false;
  }
  const std::pair<const char*, long> diffs[] = {{"sum", firstDiff(cpu.sums, gpu.sums)}, {"count", firstDiff(cpu.counts, gpu.counts)},
                                                {"min", firstDiff(cpu.mins, gpu.mins)}, {"max", firstDiff(cpu.maxs, gpu.maxs)}};
  for (const auto& [what, at] : diffs) {
    if (at < 0) continue;
    std::printf("MISMATCH %s: %s of group %ld: cpu sum=%.17g count=%.17g min=%.17g max=%.17g, gpu sum=%.17g count=%.17g min=%.17g max=%.17g\n",
                label, what, at, cpu.sums[at], cpu.counts[at], cpu.mins[at], cpu.maxs[at], gpu.sums[at], gpu.counts[at], gpu.mins[at],
                gpu.maxs[at]);
    return false;
  }
  // avg = sum / count on the host from exact parts, so it matches when they do.
  return true;
}

// Filter values with the awkward cases: NaN, infinities, -0.0 against 0.0, and the constant itself.
void spiceFilterValues(std::mt19937_64& rng, std::vector<double>& v, double constant) {
  const double specials[] = {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), -0.0, 0.0, constant};
  std::uniform_int_distribution<size_t> pick(0, std::size(specials) - 1);
  for (size_t i = 0; i < v.size(); i += 7) v[i] = specials[pick(rng)];
}

// Min/max values with NaN, infinities and both zeros, which the total order must place alike.
void spiceMinMaxValues(std::mt19937_64& rng, std::vector<double>& v) {
  const double specials[] = {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(), -0.0, 0.0};
  std::uniform_int_distribution<size_t> pick(0, std::size(specials) - 1);
  for (size_t i = 0; i < v.size(); i += 3) v[i] = specials[pick(rng)];
}

bool checkFilter(const Batch& b, int op, double constant, const char* label) {
  const size_t n = b.values.size();
  std::vector<uint8_t> cpu((n + 7) / 8 + 1, 7), gpu((n + 7) / 8 + 1, 7);
  const size_t cpuCount = sabot_check::filterCompare(b.values.data(), b.bits(), b.bitOffset, n, op, constant, cpu.data());
  size_t gpuCount = 0;
  const int rc = sabot_gpu_filter_compare(b.values.data(), b.bits(), b.bitOffset, n, op, constant, gpu.data(), &gpuCount);
  if (rc != 0) {
    std::printf("MISMATCH %s: filter op %d failed on the GPU: %s\n", label, op, cudaFailure(rc).c_str());
    return false;
  }
  if (cpuCount != gpuCount || cpu != gpu) {
    size_t at = 0;
    while (at < n && ((cpu[at >> 3] ^ gpu[at >> 3]) >> (at & 7) & 1) == 0) at++;
    std::printf("MISMATCH %s: filter op %d constant %g: cpu selected %zu, gpu %zu; first differing row %zu\n", label, op, constant,
                cpuCount, gpuCount, at);
    return false;
  }
  return true;
}

// Randomized correctness cases; returns the number that failed.
int verify(std::mt19937_64& rng, const char* chunking) {
  const Shape shapes[] = {
      {0, 1, -1, false, 0},          {0, 16, 0.5, false, 3},      {1, 1, -1, false, 0},         {7, 3, 0.3, false, 5},
      {1000, 1, 0.1, false, 0},      {1000, 1000, 0.0, false, 1}, {65537, 17, 0.2, true, 7},    {65536, 4096, 1.0, false, 0},
      {300000, 1, -1, true, 0},      {300000, 100000, 0.05, true, 2}, {1 << 20, 1024, 0.1, true, 6}, {1 << 20, 1 << 20, -1, false, 0},
  };
  int failed = 0, cases = 0;
  for (const Shape& s : shapes) {
    Batch b = makeBatch(rng, s);
    char label[160];
    std::snprintf(label, sizeof(label), "rows=%zu groups=%zu nulls=%g skewed=%d bitOffset=%lld", s.rows, s.groups, s.nullFraction,
                  int(s.skewed), static_cast<long long>(s.bitOffset));
    cases += 2;
    if (!checkAggregate(b, Outputs::All, label)) failed++;
    if (!checkAggregate(b, Outputs::CountOnly, label)) failed++;
    const double constant = b.values.empty() ? 0.0 : b.values[b.values.size() / 2];
    spiceFilterValues(rng, b.values, constant);
    for (int op = 0; op <= 5; op++) {
      cases++;
      if (!checkFilter(b, op, constant, label)) failed++;
    }
    spiceMinMaxValues(rng, b.values);
    cases++;
    if (!checkAggregate(b, Outputs::MinMax, label)) failed++;
  }
  std::printf("verify (%s): %d cases (group aggregate count/sum/min/max, count only, min/max with NaN and -0; filter =,<>,<,<=,>,>=), %d mismatches\n",
              chunking, cases, failed);
  return failed;
}

template <typename F>
double bestSeconds(int reps, F&& f) {
  double best = 1e30;
  for (int r = 0; r < reps; r++) {
    const auto t0 = Clock::now();
    f();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

// Host->device copy of `bytes`, pageable and pinned, best of reps: what every GPU call pays first.
std::pair<double, double> copySeconds(size_t bytes, int reps) {
  void *dev = nullptr, *pinned = nullptr;
  std::vector<uint8_t> pageable(bytes, 1);
  if (cudaMalloc(&dev, bytes) != cudaSuccess || cudaMallocHost(&pinned, bytes) != cudaSuccess) return {NAN, NAN};
  std::memset(pinned, 1, bytes);
  const double page = bestSeconds(reps, [&] { cudaMemcpy(dev, pageable.data(), bytes, cudaMemcpyHostToDevice); });
  const double pin = bestSeconds(reps, [&] { cudaMemcpy(dev, pinned, bytes, cudaMemcpyHostToDevice); });
  cudaFree(dev);
  cudaFreeHost(pinned);
  return {page, pin};
}

std::string rate(double rows, double seconds) {
  char buf[32];
  const double r = rows / seconds;
  if (r >= 1e9) std::snprintf(buf, sizeof(buf), "%.2fG", r / 1e9);
  else std::snprintf(buf, sizeof(buf), "%.1fM", r / 1e6);
  return buf;
}

struct Row {
  const char* kernel;
  size_t rows;
  double cpu, gpu, copyPageable, copyPinned;
};

// Times the CPU reference and the CUDA call (end to end: allocation, copies, kernel, copy back)
// per batch size, for a keyed aggregation over 1024 key slots and a `>` filter.
std::vector<Row> timeKernels(std::mt19937_64& rng, bool quick) {
  std::vector<Row> rows;
  const size_t maxRows = quick ? (size_t(1) << 20) : (size_t(4) << 20);
  for (size_t n = 16384; n <= maxRows; n *= 4) {
    const int reps = quick ? 3 : (n <= (size_t(1) << 18) ? 20 : 7);
    Batch b = makeBatch(rng, {n, 1024, 0.05, true, 0});
    Aggregates out(b.groupCount);
    const double cpuAgg = bestSeconds(reps, [&] {
      sabot_check::groupAggregate(b.groups.data(), b.values.data(), b.bits(), 0, n, b.groupCount, out.sums.data(), out.counts.data(),
                                  out.mins.data(), out.maxs.data());
    });
    const double gpuAgg = bestSeconds(reps, [&] {
      sabot_gpu_group_aggregate(b.groups.data(), b.values.data(), b.bits(), 0, n, b.groupCount, out.sums.data(), out.counts.data(),
                                out.mins.data(), out.maxs.data());
    });
    const size_t aggBytes = n * (sizeof(int32_t) + sizeof(double)) + b.validity.size();
    const auto aggCopy = copySeconds(aggBytes, reps);
    rows.push_back({"group aggregate (1024 keys, skewed)", n, cpuAgg, gpuAgg, aggCopy.first, aggCopy.second});

    std::vector<uint8_t> sel((n + 7) / 8);
    size_t count = 0;
    const double cpuFilter = bestSeconds(reps, [&] { count += sabot_check::filterCompare(b.values.data(), b.bits(), 0, n, 4, 0.0, sel.data()); });
    const double gpuFilter = bestSeconds(reps, [&] { sabot_gpu_filter_compare(b.values.data(), b.bits(), 0, n, 4, 0.0, sel.data(), &count); });
    const auto filterCopy = copySeconds(n * sizeof(double) + b.validity.size(), reps);
    rows.push_back({"filter value > 0", n, cpuFilter, gpuFilter, filterCopy.first, filterCopy.second});
  }
  return rows;
}

std::string millis(double seconds) {
  if (std::isnan(seconds)) return "-";
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.3fms", seconds * 1e3);
  return buf;
}

void printTable(std::vector<Row> rows) {
  std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return std::strcmp(a.kernel, b.kernel) < 0; });
  std::printf("\n%-36s %9s %12s %12s %9s %13s %13s\n", "kernel", "rows", "CPU rows/s", "CUDA rows/s", "CUDA/CPU", "H2D pageable", "H2D pinned");
  for (const Row& r : rows)
    std::printf("%-36s %9zu %12s %12s %8.2fx %13s %13s\n", r.kernel, r.rows, rate(double(r.rows), r.cpu).c_str(),
                rate(double(r.rows), r.gpu).c_str(), r.cpu / r.gpu, millis(r.copyPageable).c_str(), millis(r.copyPinned).c_str());
  std::printf("(CPU: the single-thread C++ reference, -O3. CUDA: one call end to end as the engine makes it - staging into reused\n"
              " pinned buffers, chunked host->device copies overlapping the kernels on two streams, copy back. H2D: copying\n"
              " just the input bytes once, from pageable and from pinned memory.)\n");
  for (const char* kernel : {rows.front().kernel, rows.back().kernel}) {
    size_t from = 0;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
      if (std::strcmp(it->kernel, kernel) != 0) continue;
      if (it->gpu < it->cpu) from = it->rows;
      else break;
    }
    if (from > 0) std::printf("GPU pays from %zu rows per batch: %s\n", from, kernel);
    else std::printf("GPU never pays up to %zu rows per batch: %s\n", rows.back().rows, kernel);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else {
      std::fprintf(stderr, "usage: %s [--quick]\n", argv[0]);
      return 2;
    }
  }
  SabotGpuInfo info;
  sabot_gpu_info(&info);
  std::printf("CUDA runtime %d.%d, driver supports %d.%d\n", info.runtimeVersion / 1000, info.runtimeVersion % 1000 / 10,
              info.driverVersion / 1000, info.driverVersion % 1000 / 10);
  if (info.devices == 0) {
    std::printf("no CUDA device: %s\n", info.reason);
    return 3;
  }
  std::printf("device 0 of %d: %s\n", info.devices, info.name);
  std::mt19937_64 rng(20);  // fixed seed: a mismatch reproduces
  const auto t0 = Clock::now();
  int failed = verify(rng, "1M-row chunks");
  sabot_gpu_set_chunk_rows(4000);  // a multiple of 32: up to 263 chunks per batch, crossing bit offsets
  failed += verify(rng, "4000-row chunks");
  sabot_gpu_set_chunk_rows(0);
  printTable(timeKernels(rng, quick));
  std::printf("done in %.1f s\n", std::chrono::duration<double>(Clock::now() - t0).count());
  return failed == 0 ? 0 : 1;
}
