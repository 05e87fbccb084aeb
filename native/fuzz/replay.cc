// Runs a fuzz target over saved inputs without libFuzzer: `replay FILE|DIR...`. Any C++ compiler
// builds it, so `npm test` replays the corpus and every crash ever found on each run.

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" void NlFuzzReport();

static int RunFile(const std::string& path) {
  FILE* f = fopen(path.c_str(), "rb");
  if (!f) {
    perror(path.c_str());
    return 1;
  }
  std::vector<uint8_t> bytes;
  uint8_t buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  fclose(f);
  LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  return 0;
}

int main(int argc, char** argv) {
  int failed = 0, ran = 0;
  for (int i = 1; i < argc; ++i) {
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      perror(argv[i]);
      return 1;
    }
    if (!S_ISDIR(st.st_mode)) {
      failed |= RunFile(argv[i]);
      ++ran;
      continue;
    }
    DIR* d = opendir(argv[i]);
    if (!d) {
      perror(argv[i]);
      return 1;
    }
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] == '.') continue;
      failed |= RunFile(std::string(argv[i]) + "/" + e->d_name);
      ++ran;
    }
    closedir(d);
  }
  printf("replayed %d inputs: ", ran);
  NlFuzzReport();
  return failed;
}
