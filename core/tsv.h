// The embedded tab-separated data files (syscalls-tables/runtime-tails.tsv,
// docker-default.txt): '#' comment lines and blank lines skipped, then a header line.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace syscribe {

// The data rows after the header, each split at tabs into exactly `columns` cells (the last
// cell keeps any further tabs; a short row is padded with empty cells).
std::vector<std::vector<std::string>> tsv_rows(std::string_view text, size_t columns);

}  // namespace syscribe
