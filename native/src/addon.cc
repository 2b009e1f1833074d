// Module entry: registers the kernels. The TS loader (runtime/kernels/native-loader.ts) checks
// `abi` against the version it was written for, so a stale build is refused, not misused.
#include "kernels.h"

namespace sabot {

// Bumped whenever a kernel's arguments or semantics change.
constexpr int32_t kAbi = 1;

napi_value Init(napi_env env, napi_value exports) {
  struct Fn {
    const char* name;
    napi_callback cb;
  };
  const Fn fns[] = {
      {"hashUtf8", HashUtf8},
      {"hashDict", HashDict},
      {"hashBool", HashBool},
      {"hash64", Hash64},
      {"hash32", Hash32},
      {"finalize", Finalize},
      {"keyGroups", KeyGroups},
      {"probeHash", ProbeHash},
      {"lookupInsert64", LookupInsert64},
      {"takeValidity", TakeValidity},
      {"takeUtf8Offsets", TakeUtf8Offsets},
      {"takeUtf8Bytes", TakeUtf8Bytes},
      {"takeFixed", TakeFixed},
#ifdef SABOT_WITH_CUDA
      {"gpuInfo", GpuInfo},
      {"gpuGroupAggregate", GpuGroupAggregate},
      {"gpuFilterCompare", GpuFilterCompare},
#endif
  };
  for (const Fn& f : fns) {
    napi_value fn;
    if (napi_create_function(env, f.name, NAPI_AUTO_LENGTH, f.cb, nullptr, &fn) != napi_ok ||
        napi_set_named_property(env, exports, f.name, fn) != napi_ok)
      return nullptr;
  }
  napi_value abi, cuda;
  napi_create_int32(env, kAbi, &abi);
  napi_set_named_property(env, exports, "abi", abi);
#ifdef SABOT_WITH_CUDA
  napi_get_boolean(env, true, &cuda);
#else
  napi_get_boolean(env, false, &cuda);
#endif
  napi_set_named_property(env, exports, "cuda", cuda);
  return exports;
}

}  // namespace sabot

NAPI_MODULE(NODE_GYP_MODULE_NAME, sabot::Init)
