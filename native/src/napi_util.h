// Small helpers over the raw Node-API C interface: typed-array arguments are read in place
// (zero-copy: the pointer is the Arrow buffer's own memory) and errors become JS exceptions.
#pragma once
#include <node_api.h>
#include <cstddef>
#include <cstdint>

namespace sabot {

struct View {
  void* data = nullptr;
  size_t length = 0;  // elements
  size_t bytes = 0;
  bool present = false;  // false for null/undefined (e.g. a column without a validity bitmap)
};

#define SABOT_CHECK(env, call)                                      \
  do {                                                              \
    if ((call) != napi_ok) {                                        \
      napi_throw_error((env), "SABOT_NATIVE", "Node-API call failed: " #call); \
      return nullptr;                                               \
    }                                                               \
  } while (0)

// Reads args[i] as a typed array; null/undefined gives an absent view. Returns false (with a JS
// TypeError pending) for anything else, so kernels never read memory they were not given.
inline bool typedArg(napi_env env, napi_value v, View& out, const char* name) {
  napi_valuetype t;
  napi_typeof(env, v, &t);
  if (t == napi_null || t == napi_undefined) return true;
  bool is = false;
  napi_is_typedarray(env, v, &is);
  if (!is) {
    napi_throw_type_error(env, "SABOT_NATIVE", name);
    return false;
  }
  napi_typedarray_type type;
  napi_value ab;
  size_t off;
  napi_get_typedarray_info(env, v, &type, &out.length, &out.data, &ab, &off);
  size_t width = 1;
  switch (type) {
    case napi_int16_array: case napi_uint16_array: width = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: width = 4; break;
    case napi_float64_array: case napi_bigint64_array: case napi_biguint64_array: width = 8; break;
    default: width = 1;
  }
  out.bytes = out.length * width;
  out.present = true;
  return true;
}

inline bool intArg(napi_env env, napi_value v, int64_t& out) {
  return napi_get_value_int64(env, v, &out) == napi_ok;
}

inline napi_value num(napi_env env, double x) {
  napi_value r;
  napi_create_double(env, x, &r);
  return r;
}

}  // namespace sabot
