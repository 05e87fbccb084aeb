#pragma once

#include <napi.h>

namespace nl {

Napi::Value TuntapCreate(const Napi::CallbackInfo& info);

}  // namespace nl
