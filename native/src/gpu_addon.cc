// Node-API wrappers of the CUDA kernels (cuda/gpu_kernels.cu); compiled only in CUDA builds.
// Arguments are the same typed arrays the CPU kernels take; results are written in place.
#include <string>

#include "../cuda/gpu_kernels.h"
#include "kernels.h"

namespace sabot {

namespace {

napi_value cudaError(napi_env env, int code) {
  const std::string msg = "CUDA error " + std::to_string(code) + " (see cudaError_t); the CPU kernels still work: unset SABOT_GPU";
  napi_throw_error(env, "SABOT_GPU", msg.c_str());
  return nullptr;
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

// gpuGroupAggregate(groups Int32Array, values Float64Array, validity, bitOffset, groupCount, sums, counts, mins, maxs)
napi_value GpuGroupAggregate(napi_env env, napi_callback_info info) {
  ARGS(9);
  View g, v, valid, s, c, mn, mx;
  int64_t off = 0, groups = 0;
  if (!typedArg(env, argv[0], g, "groups must be an Int32Array") || !typedArg(env, argv[1], v, "values must be a Float64Array") ||
      !typedArg(env, argv[2], valid, "validity must be a Uint8Array or null") || !intArg(env, argv[3], off) || !intArg(env, argv[4], groups) ||
      !typedArg(env, argv[5], s, "sums must be a Float64Array") || !typedArg(env, argv[6], c, "counts must be a Float64Array") ||
      !typedArg(env, argv[7], mn, "mins must be a Float64Array") || !typedArg(env, argv[8], mx, "maxs must be a Float64Array"))
    return nullptr;
  const size_t n = g.length;
  if (v.length < n) return rangeError(env, "values shorter than groups");
  if (off < 0 || (valid.present && n > 0 && size_t((off + int64_t(n) + 7) >> 3) > valid.bytes)) return rangeError(env, "validity bitmap shorter than the column");
  if (groups < 0 || s.length < size_t(groups) || c.length < size_t(groups) || mn.length < size_t(groups) || mx.length < size_t(groups))
    return rangeError(env, "aggregate outputs shorter than the group count");
  int rc = sabot_gpu_group_aggregate(static_cast<const int32_t*>(g.data), static_cast<const double*>(v.data),
                                     valid.present ? static_cast<const uint8_t*>(valid.data) : nullptr, off, n, size_t(groups),
                                     static_cast<double*>(s.data), static_cast<double*>(c.data), static_cast<double*>(mn.data),
                                     static_cast<double*>(mx.data));
  return rc == 0 ? nullptr : cudaError(env, rc);
}

// gpuFilterCompare(values Float64Array, validity, bitOffset, op 0..5, constant, selection Uint8Array) -> selected rows
napi_value GpuFilterCompare(napi_env env, napi_callback_info info) {
  ARGS(6);
  View v, valid, sel;
  int64_t off = 0, op = 0;
  double constant = 0;
  if (!typedArg(env, argv[0], v, "values must be a Float64Array") || !typedArg(env, argv[1], valid, "validity must be a Uint8Array or null") ||
      !intArg(env, argv[2], off) || !intArg(env, argv[3], op) || napi_get_value_double(env, argv[4], &constant) != napi_ok ||
      !typedArg(env, argv[5], sel, "selection must be a Uint8Array"))
    return nullptr;
  const size_t n = v.length;
  if (op < 0 || op > 5) return rangeError(env, "op must be 0..5 (=, <>, <, <=, >, >=)");
  if (sel.bytes < n) return rangeError(env, "selection shorter than values");
  if (off < 0 || (valid.present && n > 0 && size_t((off + int64_t(n) + 7) >> 3) > valid.bytes)) return rangeError(env, "validity bitmap shorter than the column");
  size_t selected = 0;
  int rc = sabot_gpu_filter_compare(static_cast<const double*>(v.data), valid.present ? static_cast<const uint8_t*>(valid.data) : nullptr, off, n,
                                    int(op), constant, static_cast<uint8_t*>(sel.data), &selected);
  return rc == 0 ? num(env, double(selected)) : cudaError(env, rc);
}

}  // namespace sabot
