#include "core/tsv.h"

namespace syscribe {

std::vector<std::vector<std::string>> tsv_rows(std::string_view text, size_t columns) {
  std::vector<std::vector<std::string>> rows;
  bool header = true;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    if (line.empty() || line[0] == '#') continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cells;
    while (cells.size() + 1 < columns) {
      size_t tab = line.find('\t');
      if (tab == std::string_view::npos) break;
      cells.emplace_back(line.substr(0, tab));
      line.remove_prefix(tab + 1);
    }
    cells.emplace_back(line);
    cells.resize(columns);
    rows.push_back(std::move(cells));
  }
  return rows;
}

}  // namespace syscribe
