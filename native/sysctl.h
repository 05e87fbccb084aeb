#pragma once

#include <napi.h>

namespace nl {

Napi::Value Sysctl(const Napi::CallbackInfo& info);

}  // namespace nl
