// libFuzzer target: the command-line parser shared by every subcommand. The input is a
// NUL-separated argv; any of them must parse or be refused with a usage Error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cli/options.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::vector<std::string> args;
  std::string cur;
  for (size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      args.push_back(cur);
      cur.clear();
    } else {
      cur += static_cast<char>(data[i]);
    }
  }
  if (!cur.empty()) args.push_back(cur);
  for (const auto& a : args)
    if (a == "--help" || a == "-h") return 0;  // prints the help text: not interesting
  namespace po = syscribe::cli::po;
  po::options_description opts("Options");
  opts.add_options()
      ("output,o", po::value<std::string>()->default_value("x.json"), "")
      ("pid,p", po::value<std::vector<int>>(), "")
      ("checkpoint", po::value<double>(), "")
      ("arch", po::value<std::vector<std::string>>()->composing(), "")
      ("quiet,q", "");
  for (bool takes_command : {false, true}) {
    try {
      auto p = syscribe::cli::parse_args("fuzz", "fuzz", "", opts, args, takes_command);
      if (p.vm.count("arch")) (void)syscribe::cli::split_list(p.vm["arch"].as<std::vector<std::string>>());
    } catch (const syscribe::Error&) {
    }
  }
  return 0;
}
