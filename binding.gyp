{
  # Warnings are errors in this repository's own builds (npm install, npm run build, npm test,
  # the prebuilds): its npm scripts set NETNS_LINK_WERROR=1. A user's build from the tarball
  # (node-gyp-build's fallback where no prebuild matches) warns but does not fail on a newer
  # compiler's new warnings. `node-gyp rebuild -- -Dwerror=1` sets it too.
  "variables": {
    "werror%": "<!(node -p \"process.env.NETNS_LINK_WERROR === '1' ? 1 : 0\")"
  },
  "target_defaults": {
    "conditions": [
      ["werror==1", { "cflags": ["-Werror"] }]
    ]
  },
  "targets": [
    {
      "target_name": "netns_link",
      "sources": [
        "native/addon.cc",
        "native/constants.cc",
        "native/exchange.cc",
        "native/fault.cc",
        "native/io.cc",
        "native/netns.cc",
        "native/socket.cc",
        "native/sysctl.cc",
        "native/thread.cc",
        "native/tuntap.cc",
        "native/watch.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "_GNU_SOURCE"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-fvisibility=hidden"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "netns-link-exec",
      "type": "executable",
      "sources": ["native/exec.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-O2"]
    },
    {
      "target_name": "netns-link-cni",
      "type": "executable",
      "sources": ["native/cni-client.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
