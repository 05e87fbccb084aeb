#pragma once

#include <napi.h>

namespace nl {

Napi::Value WatchOpen(const Napi::CallbackInfo& info);
Napi::Value WatchStart(const Napi::CallbackInfo& info);

}  // namespace nl
