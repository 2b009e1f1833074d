// Declarations of the addon's kernels (one Node-API callback each) and the argument helpers.
#pragma once
#include "napi_util.h"

#define ARGS(count)                                                       \
  size_t argc = (count);                                                  \
  napi_value argv[(count)];                                               \
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok || argc < (count)) { \
    napi_throw_type_error(env, "SABOT_NATIVE", "expected " #count " arguments"); \
    return nullptr;                                                       \
  }

namespace sabot {

inline napi_value rangeError(napi_env env, const char* msg) {
  napi_throw_range_error(env, "SABOT_NATIVE", msg);
  return nullptr;
}

napi_value HashUtf8(napi_env env, napi_callback_info info);
napi_value HashDict(napi_env env, napi_callback_info info);
napi_value HashBool(napi_env env, napi_callback_info info);
napi_value Hash64(napi_env env, napi_callback_info info);
napi_value Hash32(napi_env env, napi_callback_info info);
napi_value Finalize(napi_env env, napi_callback_info info);
napi_value KeyGroups(napi_env env, napi_callback_info info);
napi_value ProbeHash(napi_env env, napi_callback_info info);
napi_value LookupInsert64(napi_env env, napi_callback_info info);
napi_value TakeValidity(napi_env env, napi_callback_info info);
napi_value TakeUtf8Offsets(napi_env env, napi_callback_info info);
napi_value TakeUtf8Bytes(napi_env env, napi_callback_info info);
napi_value TakeFixed(napi_env env, napi_callback_info info);
napi_value GpuInfo(napi_env env, napi_callback_info info);
napi_value GpuGroupAggregate(napi_env env, napi_callback_info info);
napi_value GpuFilterCompare(napi_env env, napi_callback_info info);

}  // namespace sabot
