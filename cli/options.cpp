#include "cli/options.h"

#include <algorithm>
#include <iostream>

#include <fmt/format.h>

#include "core/error.h"

namespace syscribe::cli {

namespace {

// True when the option spelled `arg` ("--out", "-o") takes a value in the next argument.
bool takes_separate_value(const po::options_description& desc, const std::string& arg) {
  std::string name;
  if (arg.rfind("--", 0) == 0) {
    if (arg.find('=') != std::string::npos) return false;
    name = arg.substr(2);
    const po::option_description* d = desc.find_nothrow(name, false, false, false);
    return d && d->semantic()->max_tokens() > 0;
  }
  if (arg.size() != 2) return false;  // "-ofile" carries its value
  const po::option_description* d = desc.find_nothrow(arg, false, false, false);
  return d && d->semantic()->max_tokens() > 0;
}

}  // namespace

ParsedArgs parse_args(std::string_view name, std::string_view usage, std::string_view details,
                      po::options_description options, const Args& args, bool takes_command) {
  ParsedArgs out;
  options.add_options()("help,h", "show this help");
  po::options_description all;
  all.add(options);
  all.add_options()("operand", po::value<std::vector<std::string>>(), "");
  po::positional_options_description pos;
  pos.add("operand", -1);

  Args ours;
  size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      if (takes_command) {
        out.command.assign(args.begin() + static_cast<long>(i) + 1, args.end());
        break;
      }
      ours.push_back(a);
      continue;
    }
    if (takes_command && (a.empty() || a[0] != '-')) {
      out.command.assign(args.begin() + static_cast<long>(i), args.end());
      break;
    }
    ours.push_back(a);
    if (a.size() > 1 && a[0] == '-' && takes_separate_value(options, a) && i + 1 < args.size())
      ours.push_back(args[++i]);
  }

  try {
    po::store(po::command_line_parser(ours).options(all).positional(pos).run(), out.vm);
    if (out.vm.count("help")) {
      std::cout << "Usage: " << usage << "\n\n" << options << "\n";
      if (!details.empty()) std::cout << details << (details.back() == '\n' ? "" : "\n");
      out.help = true;
      return out;
    }
    po::notify(out.vm);
  } catch (const po::error_with_option_name& e) {
    // Boost 1.74 fills "%value%"-style placeholders in what() and loops forever when the
    // user's own text contains one (found by fuzzing): then say it without the value.
    bool has_percent = std::any_of(ours.begin(), ours.end(),
                                   [](const std::string& a) { return a.find('%') != std::string::npos; });
    std::string what = has_percent ? fmt::format("invalid use of option '{}'", e.get_option_name()) : e.what();
    throw usage_error(fmt::format("{} (see 'syscribe {} --help')", what, name));
  } catch (const po::error& e) {
    throw usage_error(fmt::format("{} (see 'syscribe {} --help')", e.what(), name));
  }
  if (out.vm.count("operand")) out.positional = out.vm["operand"].as<std::vector<std::string>>();
  return out;
}

std::vector<std::string> split_list(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    size_t start = 0;
    while (start <= v.size()) {
      size_t comma = v.find(',', start);
      std::string part = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (!part.empty()) out.push_back(part);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  return out;
}

}  // namespace syscribe::cli
