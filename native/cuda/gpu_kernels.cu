// CUDA versions of hash group-by aggregation and filter (see gpu_kernels.h). Built when CMake
// finds nvcc (SABOT_CUDA=AUTO|ON; CI builds them on every run with the PyPI nvcc, toolchain.sh).
// No engine operator calls them yet: with SABOT_GPU=1 a worker reports the devices and stays on
// the CPU kernels (runtime/kernels/cuda.ts). They are verified against a CPU reference and timed
// by the device check (harness/, device-check.sh) on a GPU machine.
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "gpu_kernels.h"
#include "kernel_ops.h"

namespace {

using sabot_ops::validAt;

// No native atomicMin/Max for double: compare-and-swap on the bits.
__device__ void atomicMinDouble(double* addr, double v) {
  auto* p = reinterpret_cast<unsigned long long*>(addr);
  unsigned long long old = *p, assumed;
  do {
    assumed = old;
    if (__longlong_as_double(assumed) <= v) return;
    old = atomicCAS(p, assumed, __double_as_longlong(v));
  } while (assumed != old);
}

__device__ void atomicMaxDouble(double* addr, double v) {
  auto* p = reinterpret_cast<unsigned long long*>(addr);
  unsigned long long old = *p, assumed;
  do {
    assumed = old;
    if (__longlong_as_double(assumed) >= v) return;
    old = atomicCAS(p, assumed, __double_as_longlong(v));
  } while (assumed != old);
}

__global__ void groupAggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                               size_t n, size_t groupCount, double* sums, double* counts, double* mins, double* maxs) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(blockDim.x) * gridDim.x) {
    const int32_t g = groups[i];
    if (g < 0 || size_t(g) >= groupCount || !validAt(validity, bitOffset + int64_t(i))) continue;
    const double v = values[i];
    atomicAdd(&sums[g], v);  // sm_60+
    atomicAdd(&counts[g], 1.0);
    atomicMinDouble(&mins[g], v);
    atomicMaxDouble(&maxs[g], v);
  }
}

__global__ void filterCompare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                              double c, uint8_t* selection, unsigned long long* selected) {
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < n; i += size_t(blockDim.x) * gridDim.x) {
    const bool keep = validAt(validity, bitOffset + int64_t(i)) && sabot_ops::compare(values[i], op, c);
    selection[i] = keep ? 1 : 0;
    // One atomic per warp, not per selected row: a shared counter would serialize the warp.
    const unsigned active = __activemask();
    const unsigned votes = __ballot_sync(active, keep);
    if ((threadIdx.x & 31u) == unsigned(__ffs(int(active)) - 1) && votes != 0) atomicAdd(selected, (unsigned long long)__popc(votes));
  }
}

// Device buffers freed on every return path.
struct DeviceBuffers {
  void* ptrs[8] = {};
  int count = 0;
  cudaError_t alloc(void** out, size_t bytes) {
    cudaError_t e = cudaMalloc(out, bytes == 0 ? 1 : bytes);
    if (e == cudaSuccess) ptrs[count++] = *out;
    return e;
  }
  ~DeviceBuffers() {
    for (int i = 0; i < count; i++) cudaFree(ptrs[i]);
  }
};

#define TRY(call)                           \
  do {                                      \
    cudaError_t e_ = (call);                \
    if (e_ != cudaSuccess) return int(e_);  \
  } while (0)

size_t bitmapBytes(int64_t bitOffset, size_t n) { return size_t((bitOffset + int64_t(n) + 7) >> 3); }

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
  std::snprintf(info->name, sizeof(info->name), "%s (sm_%d%d)", prop.name, prop.major, prop.minor);
}

extern "C" int sabot_gpu_group_aggregate(const int32_t* groups, const double* values, const uint8_t* validity, int64_t bitOffset,
                                         size_t n, size_t groupCount, double* sums, double* counts, double* mins, double* maxs) {
  DeviceBuffers d;
  int32_t* dg;
  double *dv, *ds, *dc, *dmin, *dmax;
  uint8_t* dvalid = nullptr;
  TRY(d.alloc(reinterpret_cast<void**>(&dg), n * sizeof(int32_t)));
  TRY(d.alloc(reinterpret_cast<void**>(&dv), n * sizeof(double)));
  const size_t gb = groupCount * sizeof(double);
  TRY(d.alloc(reinterpret_cast<void**>(&ds), gb));
  TRY(d.alloc(reinterpret_cast<void**>(&dc), gb));
  TRY(d.alloc(reinterpret_cast<void**>(&dmin), gb));
  TRY(d.alloc(reinterpret_cast<void**>(&dmax), gb));
  TRY(cudaMemcpy(dg, groups, n * sizeof(int32_t), cudaMemcpyHostToDevice));
  TRY(cudaMemcpy(dv, values, n * sizeof(double), cudaMemcpyHostToDevice));
  TRY(cudaMemcpy(ds, sums, gb, cudaMemcpyHostToDevice));
  TRY(cudaMemcpy(dc, counts, gb, cudaMemcpyHostToDevice));
  TRY(cudaMemcpy(dmin, mins, gb, cudaMemcpyHostToDevice));
  TRY(cudaMemcpy(dmax, maxs, gb, cudaMemcpyHostToDevice));
  if (validity != nullptr) {
    TRY(d.alloc(reinterpret_cast<void**>(&dvalid), bitmapBytes(bitOffset, n)));
    TRY(cudaMemcpy(dvalid, validity, bitmapBytes(bitOffset, n), cudaMemcpyHostToDevice));
  }
  const int threads = 256;
  const int blocks = int((n + threads - 1) / threads < 4096 ? (n + threads - 1) / threads : 4096);
  if (n > 0) groupAggregate<<<blocks, threads>>>(dg, dv, dvalid, bitOffset, n, groupCount, ds, dc, dmin, dmax);
  TRY(cudaGetLastError());
  TRY(cudaMemcpy(sums, ds, gb, cudaMemcpyDeviceToHost));
  TRY(cudaMemcpy(counts, dc, gb, cudaMemcpyDeviceToHost));
  TRY(cudaMemcpy(mins, dmin, gb, cudaMemcpyDeviceToHost));
  TRY(cudaMemcpy(maxs, dmax, gb, cudaMemcpyDeviceToHost));
  return 0;
}

extern "C" int sabot_gpu_filter_compare(const double* values, const uint8_t* validity, int64_t bitOffset, size_t n, int op,
                                        double constant, uint8_t* selection, size_t* selected) {
  DeviceBuffers d;
  double* dv;
  uint8_t *dsel, *dvalid = nullptr;
  unsigned long long* dcount;
  TRY(d.alloc(reinterpret_cast<void**>(&dv), n * sizeof(double)));
  TRY(d.alloc(reinterpret_cast<void**>(&dsel), n));
  TRY(d.alloc(reinterpret_cast<void**>(&dcount), sizeof(unsigned long long)));
  TRY(cudaMemcpy(dv, values, n * sizeof(double), cudaMemcpyHostToDevice));
  TRY(cudaMemset(dcount, 0, sizeof(unsigned long long)));
  if (validity != nullptr) {
    TRY(d.alloc(reinterpret_cast<void**>(&dvalid), bitmapBytes(bitOffset, n)));
    TRY(cudaMemcpy(dvalid, validity, bitmapBytes(bitOffset, n), cudaMemcpyHostToDevice));
  }
  const int threads = 256;
  const int blocks = int((n + threads - 1) / threads < 4096 ? (n + threads - 1) / threads : 4096);
  if (n > 0) filterCompare<<<blocks, threads>>>(dv, dvalid, bitOffset, n, op, constant, dsel, dcount);
  TRY(cudaGetLastError());
  TRY(cudaMemcpy(selection, dsel, n, cudaMemcpyDeviceToHost));
  unsigned long long count = 0;
  TRY(cudaMemcpy(&count, dcount, sizeof(count), cudaMemcpyDeviceToHost));
  *selected = size_t(count);
  return 0;
}
