#pragma once

#include <napi.h>

namespace nl {

Napi::Value NsOpen(const Napi::CallbackInfo& info);
Napi::Value NsOpenSync(const Napi::CallbackInfo& info);
Napi::Value NsCreate(const Napi::CallbackInfo& info);
Napi::Value NsCreateMany(const Napi::CallbackInfo& info);
Napi::Value NsAttach(const Napi::CallbackInfo& info);
Napi::Value NsDelete(const Napi::CallbackInfo& info);

}  // namespace nl
