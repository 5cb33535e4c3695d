// Reading several evidence files into one, refusing inputs that cannot be merged honestly.
#pragma once

#include <string>
#include <vector>

#include "evidence/evidence.h"

namespace syscribe::gen {

// Throws Error naming `from_file` when `from` cannot be added to `into`: a recording present
// in both (the same run merged twice would double its counts), or evidence written by a
// syscribe of another major version. `into_desc` names what `into` holds, for the message.
void check_mergeable(const ev::Evidence& into, const std::string& into_desc, const ev::Evidence& from,
                     const std::string& from_file);

// Reads every file and merges them in order (merge is associative and commutative). Besides
// the evidence format, checks that arch and syscall names are known: "FILE: $.path: unknown ...".
ev::Evidence read_merged(const std::vector<std::string>& paths);

}  // namespace syscribe::gen
