// syscribe merge: several evidence files (runs, replicas, nodes) into one.
#include <iostream>

#include <fmt/format.h>

#include "cli/options.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "generator/merge.h"

namespace syscribe::cli {

int cmd_merge(const Args& args) {
  po::options_description opts("Options");
  opts.add_options()("output,o", po::value<std::string>(), "merged evidence to write (\"-\": stdout)");
  auto p = parse_args("merge", "syscribe merge EVIDENCE... -o OUT",
                      "A union with summed counts, in any order. Refused: the same recording twice\n"
                      "(its counts would double) and evidence of another syscribe major version.\n",
                      opts, args);
  if (p.help) return 0;
  if (!p.vm.count("output")) throw usage_error("give the output file with -o OUT");
  if (p.positional.empty()) throw usage_error("give at least one evidence file");
  const auto& out = p.vm["output"].as<std::string>();
  if (out != "-") check_writable(out);
  ev::Evidence merged = gen::read_merged(p.positional);
  for (const auto& w : ev::incomplete_recordings(merged)) std::cerr << "syscribe merge: warning: " << w << "\n";
  ev::write_evidence(out, merged);
  return 0;
}

}  // namespace syscribe::cli
