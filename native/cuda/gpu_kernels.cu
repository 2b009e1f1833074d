// CUDA versions of keyed aggregation and the numeric filter (interface and semantics:
// gpu_kernels.h). Built when CMake finds nvcc (SABOT_CUDA=AUTO|ON; CI builds them on every run
// with the PyPI nvcc, toolchain.sh). The engine calls them through the addon (gpu_addon.cc) from
// the window accumulators and the filter operator when SABOT_GPU=1, a device is present and a
// batch has at least SABOT_GPU_MIN_ROWS rows (runtime/kernels/gpu-kernels.ts). They are verified
// bit for bit against a CPU reference and timed by the device check (harness/, device-check.sh);
// until a GPU machine runs it, they have only been compiled, never run.
//
// One pipeline serves both kernels: inputs are copied by the CPU into a pinned staging buffer per
// lane (two lanes, each with its own stream), copied to the device asynchronously, and processed
// there; while lane 0 computes chunk k, lane 1 copies chunk k+1. Buffers are process-wide, kept
// and grown, never shrunk; a mutex serializes calls (one worker thread's batches at a time).
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "gpu_kernels.h"
#include "kernel_ops.h"

namespace {

using sabot_ops::validAt;

constexpr size_t kDefaultChunkRows = size_t(1) << 20;
constexpr int kThreads = 256;

#define TRY(call)                          \
  do {                                     \
    cudaError_t e_ = (call);               \
    if (e_ != cudaSuccess) return e_;      \
  } while (0)

// ---------------------------------------------------------------------------------------------
// Kernels (grid-stride loops; blocks are multiples of 32 threads, so a warp is 32 adjacent rows).

__global__ void encodeOrdered(unsigned long long* a, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(blockDim.x) * gridDim.x)
    a[i] = sabot_ops::orderedKey(__longlong_as_double(static_cast<long long>(a[i])));
}

__global__ void decodeOrdered(unsigned long long* a, size_t n) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(blockDim.x) * gridDim.x)
    a[i] = static_cast<unsigned long long>(__double_as_longlong(sabot_ops::fromOrderedKey(a[i])));
}

struct AggregateOut {
  double* sums;
  double* counts;
  unsigned long long* mins;  // ordered keys (kernel_ops.h) while on the device
  unsigned long long* maxs;
};

__global__ void groupAggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                               size_t n, size_t groupCount, AggregateOut out) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(blockDim.x) * gridDim.x) {
    const int32_t g = groups[i];
    if (g < 0 || size_t(g) >= groupCount || !validAt(validity, bitOffset + int64_t(i))) continue;
    if (out.counts) atomicAdd(&out.counts[g], 1.0);
    if (!values) continue;
    const double v = values[i];
    if (out.sums) atomicAdd(&out.sums[g], v);  // sm_60+
    const unsigned long long k = sabot_ops::orderedKey(v);
    if (out.mins) atomicMin(&out.mins[g], k);
    if (out.maxs) atomicMax(&out.maxs[g], k);
  }
}

// One 32-bit word of the selection bitmap per warp iteration: a ballot, no per-row atomics.
__global__ void filterCompare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                              double c, uint32_t* words, unsigned long long* selected) {
  const size_t limit = (n + 31) & ~size_t(31);  // whole warps: every lane reaches the ballot
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < limit; i += size_t(blockDim.x) * gridDim.x) {
    const bool keep = i < n && validAt(validity, bitOffset + int64_t(i)) && sabot_ops::compare(values[i], op, c);
    const unsigned votes = __ballot_sync(0xffffffffu, keep);
    if ((threadIdx.x & 31u) == 0) {
      words[i >> 5] = votes;
      if (votes != 0) atomicAdd(selected, (unsigned long long)__popc(votes));
    }
  }
}

int blocksFor(size_t n) { return int(std::max<size_t>(1, std::min<size_t>((n + kThreads - 1) / kThreads, 4096))); }

// ---------------------------------------------------------------------------------------------
// Reused buffers.

cudaError_t hostAlloc(void** p, size_t bytes) { return cudaHostAlloc(p, bytes, cudaHostAllocDefault); }
cudaError_t deviceAlloc(void** p, size_t bytes) { return cudaMalloc(p, bytes); }

// A buffer kept between calls and grown (at least doubled) when a call needs more.
template <cudaError_t (*Alloc)(void**, size_t), cudaError_t (*Free)(void*)>
struct GrownBuffer {
  char* p = nullptr;
  size_t cap = 0;
  cudaError_t reserve(size_t bytes) {
    if (bytes <= cap) return cudaSuccess;
    const size_t want = std::max(bytes, cap * 2);
    if (p) Free(p);
    p = nullptr;
    cap = 0;
    TRY(Alloc(reinterpret_cast<void**>(&p), want));
    cap = want;
    return cudaSuccess;
  }
};

using PinnedBuffer = GrownBuffer<hostAlloc, cudaFreeHost>;
using DeviceBuffer = GrownBuffer<deviceAlloc, cudaFree>;

// One stream with its own staging: `staged` marks when its pinned input may be overwritten.
struct Lane {
  cudaStream_t stream = nullptr;
  cudaEvent_t staged = nullptr;
  bool used = false;  // `staged` was recorded since the call began
  PinnedBuffer in;
  DeviceBuffer din, dout;
};

struct Context {
  std::mutex mu;
  bool initialized = false;
  cudaError_t initError = cudaSuccess;
  size_t chunkRows = kDefaultChunkRows;
  Lane lanes[2];
  cudaEvent_t stateReady = nullptr, lane1Done = nullptr;
  PinnedBuffer state, out;
  DeviceBuffer dstate, dcount;

  cudaError_t init() {
    if (!initialized) {
      initialized = true;
      initError = create();
    }
    return initError;
  }
  cudaError_t create() {
    for (Lane& l : lanes) {
      TRY(cudaStreamCreateWithFlags(&l.stream, cudaStreamNonBlocking));
      TRY(cudaEventCreateWithFlags(&l.staged, cudaEventDisableTiming));
    }
    TRY(cudaEventCreateWithFlags(&stateReady, cudaEventDisableTiming));
    TRY(cudaEventCreateWithFlags(&lane1Done, cudaEventDisableTiming));
    return dcount.reserve(sizeof(unsigned long long));
  }
};

// Never destroyed: tearing down CUDA objects from a static destructor races the driver's own exit.
Context& context() {
  static Context* c = new Context;
  return *c;
}

// Waits for both lanes on every return, so no queued copy outlives the call that owns its buffers.
struct Drain {
  Context& c;
  ~Drain() {
    for (Lane& l : c.lanes) cudaStreamSynchronize(l.stream);
  }
};

// The rows of one chunk, and where its validity bits start in the caller's bitmap.
struct Chunk {
  size_t first, rows;
  int64_t bitOffset;   // of row `first`, within the byte at validityByte
  size_t validityByte, validityBytes;
};

Chunk chunkAt(size_t first, size_t rows, int64_t bitOffset, bool hasValidity) {
  const int64_t bit = bitOffset + int64_t(first);
  Chunk ch{first, rows, bit & 7, size_t(bit >> 3), 0};
  if (hasValidity) ch.validityBytes = size_t(((bit & 7) + int64_t(rows) + 7) >> 3);
  return ch;
}

size_t align256(size_t bytes) { return (bytes + 255) & ~size_t(255); }

// Waits until lane l's staging buffer is free again (its previous chunk's copy has finished).
cudaError_t awaitStaging(Lane& l) { return l.used ? cudaEventSynchronize(l.staged) : cudaSuccess; }

// ---------------------------------------------------------------------------------------------
// Group aggregation.

struct AggregateCall {
  const int32_t* groups;
  const double* values;
  const uint8_t* validity;
  int64_t bitOffset;
  size_t n, groupCount;
  double* outs[4];  // sums, counts, mins, maxs (as in the C interface; null = not computed)
};

// Copies the present outputs into one device array (4 x groupCount doubles) on lane 0, turning
// mins and maxs into ordered keys; lane 1 waits for it before its first kernel.
cudaError_t uploadState(Context& c, const AggregateCall& a, AggregateOut& d) {
  const size_t bytes = a.groupCount * sizeof(double);
  TRY(c.state.reserve(4 * bytes + 1));
  TRY(c.dstate.reserve(4 * bytes + 1));
  Lane& l0 = c.lanes[0];
  double* slots[4] = {};
  for (int k = 0; k < 4; k++) {
    if (!a.outs[k]) continue;
    std::memcpy(c.state.p + k * bytes, a.outs[k], bytes);
    slots[k] = reinterpret_cast<double*>(c.dstate.p + k * bytes);
    TRY(cudaMemcpyAsync(slots[k], c.state.p + k * bytes, bytes, cudaMemcpyHostToDevice, l0.stream));
  }
  d = {slots[0], slots[1], reinterpret_cast<unsigned long long*>(slots[2]), reinterpret_cast<unsigned long long*>(slots[3])};
  for (unsigned long long* keys : {d.mins, d.maxs})
    if (keys) encodeOrdered<<<blocksFor(a.groupCount), kThreads, 0, l0.stream>>>(keys, a.groupCount);
  TRY(cudaGetLastError());
  TRY(cudaEventRecord(c.stateReady, l0.stream));
  return cudaStreamWaitEvent(c.lanes[1].stream, c.stateReady, 0);
}

cudaError_t aggregateChunk(const AggregateCall& a, const AggregateOut& d, Lane& l, const Chunk& ch) {
  const size_t gBytes = align256(ch.rows * sizeof(int32_t));
  const size_t vBytes = a.values ? align256(ch.rows * sizeof(double)) : 0;
  const size_t bytes = gBytes + vBytes + ch.validityBytes;
  TRY(awaitStaging(l));
  TRY(l.in.reserve(bytes));
  TRY(l.din.reserve(bytes));
  std::memcpy(l.in.p, a.groups + ch.first, ch.rows * sizeof(int32_t));
  if (a.values) std::memcpy(l.in.p + gBytes, a.values + ch.first, ch.rows * sizeof(double));
  if (ch.validityBytes) std::memcpy(l.in.p + gBytes + vBytes, a.validity + ch.validityByte, ch.validityBytes);
  TRY(cudaMemcpyAsync(l.din.p, l.in.p, bytes, cudaMemcpyHostToDevice, l.stream));
  TRY(cudaEventRecord(l.staged, l.stream));
  l.used = true;
  const auto* dg = reinterpret_cast<const int32_t*>(l.din.p);
  const auto* dv = a.values ? reinterpret_cast<const double*>(l.din.p + gBytes) : nullptr;
  const auto* dvalid = ch.validityBytes ? reinterpret_cast<const uint8_t*>(l.din.p + gBytes + vBytes) : nullptr;
  groupAggregate<<<blocksFor(ch.rows), kThreads, 0, l.stream>>>(dg, dv, dvalid, ch.bitOffset, ch.rows, a.groupCount, d);
  return cudaGetLastError();
}

// Lane 0 waits for lane 1, turns keys back into doubles, and copies the state to the caller.
cudaError_t downloadState(Context& c, const AggregateCall& a, const AggregateOut& d) {
  Lane& l0 = c.lanes[0];
  TRY(cudaEventRecord(c.lane1Done, c.lanes[1].stream));
  TRY(cudaStreamWaitEvent(l0.stream, c.lane1Done, 0));
  for (unsigned long long* keys : {d.mins, d.maxs})
    if (keys) decodeOrdered<<<blocksFor(a.groupCount), kThreads, 0, l0.stream>>>(keys, a.groupCount);
  TRY(cudaGetLastError());
  const size_t bytes = a.groupCount * sizeof(double);
  for (int k = 0; k < 4; k++)
    if (a.outs[k]) TRY(cudaMemcpyAsync(c.state.p + k * bytes, c.dstate.p + k * bytes, bytes, cudaMemcpyDeviceToHost, l0.stream));
  TRY(cudaStreamSynchronize(l0.stream));
  for (int k = 0; k < 4; k++)
    if (a.outs[k]) std::memcpy(a.outs[k], c.state.p + k * bytes, bytes);
  return cudaSuccess;
}

cudaError_t runAggregate(Context& c, const AggregateCall& a) {
  TRY(c.init());
  Drain drain{c};
  for (Lane& l : c.lanes) l.used = false;
  AggregateOut d{};
  TRY(uploadState(c, a, d));
  size_t k = 0;
  for (size_t first = 0; first < a.n; first += c.chunkRows, k++) {
    const Chunk ch = chunkAt(first, std::min(c.chunkRows, a.n - first), a.bitOffset, a.validity != nullptr);
    TRY(aggregateChunk(a, d, c.lanes[k & 1], ch));
  }
  return downloadState(c, a, d);
}

// ---------------------------------------------------------------------------------------------
// Filter.

struct FilterCall {
  const double* values;
  const uint8_t* validity;
  int64_t bitOffset;
  size_t n;
  int op;
  double constant;
};

// Chunk rows are multiples of 32, so chunk k's bits are whole words of the selection bitmap.
cudaError_t filterChunk(Context& c, const FilterCall& f, Lane& l, const Chunk& ch, unsigned long long* dcount) {
  const size_t vBytes = align256(ch.rows * sizeof(double));
  const size_t bytes = vBytes + ch.validityBytes;
  const size_t words = (ch.rows + 31) / 32;
  TRY(awaitStaging(l));
  TRY(l.in.reserve(bytes));
  TRY(l.din.reserve(bytes));
  TRY(l.dout.reserve(words * sizeof(uint32_t)));
  std::memcpy(l.in.p, f.values + ch.first, ch.rows * sizeof(double));
  if (ch.validityBytes) std::memcpy(l.in.p + vBytes, f.validity + ch.validityByte, ch.validityBytes);
  TRY(cudaMemcpyAsync(l.din.p, l.in.p, bytes, cudaMemcpyHostToDevice, l.stream));
  TRY(cudaEventRecord(l.staged, l.stream));
  l.used = true;
  const auto* dv = reinterpret_cast<const double*>(l.din.p);
  const auto* dvalid = ch.validityBytes ? reinterpret_cast<const uint8_t*>(l.din.p + vBytes) : nullptr;
  auto* dwords = reinterpret_cast<uint32_t*>(l.dout.p);
  filterCompare<<<blocksFor(ch.rows), kThreads, 0, l.stream>>>(dv, dvalid, ch.bitOffset, ch.rows, f.op, f.constant, dwords, dcount);
  TRY(cudaGetLastError());
  // The lane's output buffer is reused by its next chunk, which the stream orders after this copy.
  return cudaMemcpyAsync(c.out.p + ch.first / 8, dwords, words * sizeof(uint32_t), cudaMemcpyDeviceToHost, l.stream);
}

cudaError_t runFilter(Context& c, const FilterCall& f, uint8_t* selection, size_t* selected) {
  TRY(c.init());
  Drain drain{c};
  for (Lane& l : c.lanes) l.used = false;
  TRY(c.out.reserve(((f.n + 31) / 32) * sizeof(uint32_t) + 1));
  auto* dcount = reinterpret_cast<unsigned long long*>(c.dcount.p);
  Lane& l0 = c.lanes[0];
  TRY(cudaMemsetAsync(dcount, 0, sizeof(unsigned long long), l0.stream));
  TRY(cudaEventRecord(c.stateReady, l0.stream));
  TRY(cudaStreamWaitEvent(c.lanes[1].stream, c.stateReady, 0));
  size_t k = 0;
  for (size_t first = 0; first < f.n; first += c.chunkRows, k++) {
    const Chunk ch = chunkAt(first, std::min(c.chunkRows, f.n - first), f.bitOffset, f.validity != nullptr);
    TRY(filterChunk(c, f, c.lanes[k & 1], ch, dcount));
  }
  TRY(cudaEventRecord(c.lane1Done, c.lanes[1].stream));
  TRY(cudaStreamWaitEvent(l0.stream, c.lane1Done, 0));
  TRY(c.state.reserve(sizeof(unsigned long long)));
  TRY(cudaMemcpyAsync(c.state.p, dcount, sizeof(unsigned long long), cudaMemcpyDeviceToHost, l0.stream));
  TRY(cudaStreamSynchronize(l0.stream));
  unsigned long long count;
  std::memcpy(&count, c.state.p, sizeof count);
  std::memcpy(selection, c.out.p, (f.n + 7) / 8);
  *selected = size_t(count);
  return cudaSuccess;
}

}  // namespace

extern "C" void sabot_gpu_info(SabotGpuInfo* info) {
  std::memset(info, 0, sizeof(*info));
  cudaRuntimeGetVersion(&info->runtimeVersion);
  cudaDriverGetVersion(&info->driverVersion);
  const cudaError_t e = cudaGetDeviceCount(&info->devices);
  if (e != cudaSuccess) {
    info->devices = 0;
    std::snprintf(info->reason, sizeof(info->reason), "%s: %s", cudaGetErrorName(e), cudaGetErrorString(e));
    return;
  }
  if (info->devices == 0) {
    std::snprintf(info->reason, sizeof(info->reason), "cudaGetDeviceCount found 0 devices");
    return;
  }
  cudaDeviceProp prop;
  const cudaError_t p = cudaGetDeviceProperties(&prop, 0);
  if (p != cudaSuccess) {
    std::snprintf(info->name, sizeof(info->name), "(cudaGetDeviceProperties: %s)", cudaGetErrorName(p));
    return;
  }
  std::snprintf(info->name, sizeof(info->name), "%.240s (sm_%d%d)", prop.name, prop.major, prop.minor);
}

extern "C" int sabot_gpu_group_aggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                                         size_t n, size_t groupCount, double* sums, double* counts, double* mins, double* maxs) {
  if (n == 0 || groupCount == 0) return 0;
  if (!values && (sums || mins || maxs)) return int(cudaErrorInvalidValue);
  Context& c = context();
  std::lock_guard<std::mutex> lock(c.mu);
  return int(runAggregate(c, {groups, values, validity, bitOffset, n, groupCount, {sums, counts, mins, maxs}}));
}

extern "C" int sabot_gpu_filter_compare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                                        double constant, uint8_t* selection, size_t* selected) {
  *selected = 0;
  if (n == 0) return 0;
  Context& c = context();
  std::lock_guard<std::mutex> lock(c.mu);
  return int(runFilter(c, {values, validity, bitOffset, n, op, constant}, selection, selected));
}

extern "C" void sabot_gpu_set_chunk_rows(size_t rows) {
  Context& c = context();
  std::lock_guard<std::mutex> lock(c.mu);
  c.chunkRows = rows == 0 ? kDefaultChunkRows : (rows + 31) & ~size_t(31);
}
