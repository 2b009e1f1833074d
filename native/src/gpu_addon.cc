// Node-API wrappers of the CUDA kernels (cuda/gpu_kernels.cu); compiled only in CUDA builds.
// Arguments are typed arrays over Arrow buffers (zero-copy); results are written in place into
// the caller's arrays, and only when the whole call succeeded (gpu_kernels.h), so on an error
// (a JS Error with code SABOT_GPU) the caller reruns the batch on the CPU kernels.
#include <string>

#include "../cuda/gpu_kernels.h"
#include "kernels.h"

namespace sabot {

namespace {

napi_value cudaError(napi_env env, int code) {
  const std::string msg = "CUDA error " + std::to_string(code) + " (see cudaError_t); the batch reruns on the CPU kernels, and unsetting SABOT_GPU keeps every batch there";
  napi_throw_error(env, "SABOT_GPU", msg.c_str());
  return nullptr;
}


// A typed-array argument of `width`-byte elements, or null/undefined when `optional`.
bool arrayArg(napi_env env, napi_value v, View& out, size_t width, bool optional, const char* msg) {
  if (!typedArg(env, v, out, msg)) return false;
  if ((!out.present && optional) || (out.present && out.bytes == out.length * width)) return true;
  napi_throw_type_error(env, "SABOT_NATIVE", msg);
  return false;
}

template <typename T>
T* ptr(const View& v) {
  return v.present ? static_cast<T*>(v.data) : nullptr;
}

}  // namespace

// gpuInfo() -> { devices, name, reason, runtimeVersion, driverVersion }; never throws: without a
// driver or GPU, devices is 0 and reason is cudaGetDeviceCount's error.
napi_value GpuInfo(napi_env env, napi_callback_info) {
  SabotGpuInfo info;
  sabot_gpu_info(&info);
  napi_value out, devices, name, reason, runtime, driver;
  napi_create_object(env, &out);
  napi_create_int32(env, info.devices, &devices);
  napi_create_string_utf8(env, info.name, NAPI_AUTO_LENGTH, &name);
  napi_create_string_utf8(env, info.reason, NAPI_AUTO_LENGTH, &reason);
  napi_create_int32(env, info.runtimeVersion, &runtime);
  napi_create_int32(env, info.driverVersion, &driver);
  napi_set_named_property(env, out, "devices", devices);
  napi_set_named_property(env, out, "name", name);
  napi_set_named_property(env, out, "reason", reason);
  napi_set_named_property(env, out, "runtimeVersion", runtime);
  napi_set_named_property(env, out, "driverVersion", driver);
  return out;
}

// gpuGroupAggregate(groups Int32Array, values Float64Array|null, validity Uint8Array|null, bitOffset, groupCount,
//                   sums, counts, mins, maxs: Float64Array|null). Outputs are accumulated into; null ones are skipped.
napi_value GpuGroupAggregate(napi_env env, napi_callback_info info) {
  ARGS(9);
  View g, v, valid, out[4];
  int64_t off = 0, groups = 0;
  const char* outMsg = "sums, counts, mins and maxs must each be a Float64Array or null";
  if (!arrayArg(env, argv[0], g, 4, false, "groups must be an Int32Array") ||
      !arrayArg(env, argv[1], v, 8, true, "values must be a Float64Array or null") ||
      !arrayArg(env, argv[2], valid, 1, true, "validity must be a Uint8Array or null") || !intArg(env, argv[3], off) ||
      !intArg(env, argv[4], groups))
    return nullptr;
  for (int k = 0; k < 4; k++)
    if (!arrayArg(env, argv[5 + k], out[k], 8, true, outMsg)) return nullptr;
  const size_t n = g.length;
  if (v.present && v.length < n) return rangeError(env, "values shorter than groups");
  if (!v.present && (out[0].present || out[2].present || out[3].present)) return rangeError(env, "sums, mins and maxs need values");
  if (off < 0 || (valid.present && n > 0 && size_t((off + int64_t(n) + 7) >> 3) > valid.bytes)) return rangeError(env, "validity bitmap shorter than the column");
  for (const View& o : out)
    if (groups < 0 || (o.present && o.length < size_t(groups))) return rangeError(env, "aggregate outputs shorter than the group count");
  int rc = sabot_gpu_group_aggregate(ptr<const int32_t>(g), ptr<const double>(v), ptr<const uint8_t>(valid), off, n, size_t(groups),
                                     ptr<double>(out[0]), ptr<double>(out[1]), ptr<double>(out[2]), ptr<double>(out[3]));
  return rc == 0 ? nullptr : cudaError(env, rc);
}

// gpuFilterCompare(values Float64Array, validity, bitOffset, op 0..5, constant, selection Uint8Array of >= ceil(n/8)
// bytes, written as an Arrow bitmap) -> selected rows
napi_value GpuFilterCompare(napi_env env, napi_callback_info info) {
  ARGS(6);
  View v, valid, sel;
  int64_t off = 0, op = 0;
  double constant = 0;
  if (!arrayArg(env, argv[0], v, 8, false, "values must be a Float64Array") ||
      !arrayArg(env, argv[1], valid, 1, true, "validity must be a Uint8Array or null") || !intArg(env, argv[2], off) ||
      !intArg(env, argv[3], op) || napi_get_value_double(env, argv[4], &constant) != napi_ok ||
      !arrayArg(env, argv[5], sel, 1, false, "selection must be a Uint8Array"))
    return nullptr;
  const size_t n = v.length;
  if (op < 0 || op > 5) return rangeError(env, "op must be 0..5 (=, <>, <, <=, >, >=)");
  if (sel.bytes < (n + 7) / 8) return rangeError(env, "selection bitmap shorter than ceil(values / 8) bytes");
  if (off < 0 || (valid.present && n > 0 && size_t((off + int64_t(n) + 7) >> 3) > valid.bytes)) return rangeError(env, "validity bitmap shorter than the column");
  size_t selected = 0;
  int rc = sabot_gpu_filter_compare(ptr<const double>(v), ptr<const uint8_t>(valid), off, n, int(op), constant, ptr<uint8_t>(sel), &selected);
  return rc == 0 ? num(env, double(selected)) : cudaError(env, rc);
}

}  // namespace sabot
