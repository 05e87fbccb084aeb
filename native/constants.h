#pragma once

#include <napi.h>

namespace nl {

// The kernel UAPI values TypeScript uses, read from the headers at build time; a test checks
// them against lib/constants.ts.
Napi::Object Constants(Napi::Env env);

}  // namespace nl
