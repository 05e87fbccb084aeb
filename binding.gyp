{
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
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Werror", "-fvisibility=hidden"],
      "libraries": ["-lpthread"]
    },
    {
      "target_name": "netns-link-exec",
      "type": "executable",
      "sources": ["native/exec.c"],
      "cflags": ["-std=c11", "-Wall", "-Wextra", "-Werror", "-O2"]
    }
  ]
}
