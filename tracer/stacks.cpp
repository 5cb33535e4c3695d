#include "tracer/stacks.h"

#include <fmt/format.h>

#ifdef SYSCRIBE_HAVE_LIBDW
#include <elfutils/libdwfl.h>
#endif

namespace syscribe::tracer {

#ifdef SYSCRIBE_HAVE_LIBDW

namespace {

// Local debug files only: libdwfl's standard lookup would ask debuginfod servers when
// DEBUGINFOD_URLS is set, turning a recording into network traffic.
char* g_debuginfo_path = nullptr;
const Dwfl_Callbacks kCallbacks = {
    .find_elf = dwfl_linux_proc_find_elf,
    .find_debuginfo = dwfl_build_id_find_debuginfo,
    .section_address = nullptr,
    .debuginfo_path = &g_debuginfo_path,
};

struct Walk {
  Dwfl* dwfl;
  size_t max;
  std::vector<std::string> frames;
};

std::string describe(Dwfl* dwfl, Dwarf_Addr pc) {
  Dwfl_Module* mod = dwfl_addrmodule(dwfl, pc);
  if (!mod) return fmt::format("0x{:x}", pc);
  Dwarf_Addr start = 0;
  const char* file = nullptr;
  const char* name = dwfl_module_info(mod, nullptr, &start, nullptr, nullptr, nullptr, &file, nullptr);
  std::string module = file ? file : (name ? name : "?");
  const char* sym = dwfl_module_addrname(mod, pc);
  if (sym) return fmt::format("{} ({})", sym, module);
  return fmt::format("{}+0x{:x}", module, pc - start);
}

int on_frame(Dwfl_Frame* frame, void* arg) {
  auto* w = static_cast<Walk*>(arg);
  Dwarf_Addr pc = 0;
  bool activation = false;
  if (!dwfl_frame_pc(frame, &pc, &activation)) return DWARF_CB_ABORT;
  // A return address points after the call: look up the call itself.
  Dwarf_Addr at = activation ? pc : pc - 1;
  w->frames.push_back(describe(w->dwfl, at));
  return w->frames.size() >= w->max ? DWARF_CB_ABORT : DWARF_CB_OK;
}

}  // namespace

bool stacks_available() { return true; }

std::vector<std::string> stopped_stack(pid_t pid, pid_t tid, size_t max_frames) {
  Walk w{dwfl_begin(&kCallbacks), max_frames, {}};
  if (!w.dwfl) return {};
  if (dwfl_linux_proc_report(w.dwfl, pid) == 0 && dwfl_report_end(w.dwfl, nullptr, nullptr) == 0 &&
      dwfl_linux_proc_attach(w.dwfl, pid, /*assume_ptrace_stopped=*/true) == 0)
    dwfl_getthread_frames(w.dwfl, tid, on_frame, &w);  // errors past the first frames end the walk
  dwfl_end(w.dwfl);
  return w.frames;
}

#else

bool stacks_available() { return false; }
std::vector<std::string> stopped_stack(pid_t, pid_t, size_t) { return {}; }

#endif

}  // namespace syscribe::tracer
