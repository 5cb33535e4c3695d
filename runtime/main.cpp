// syscribe-runtime: an OCI runtime that hands every command to the real one (crun or runc)
// and, at `create` (or `run`) of a container annotated syscribe.dev/record=true, first
// rewrites its bundle's config.json so the workload runs under `syscribe record`.
// Containers without the annotation reach the real runtime with config.json untouched.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/atomic_file.h"
#include "core/error.h"
#include "runtime/oci_args.h"
#include "runtime/oci_config.h"
#include "runtime/settings.h"

namespace {

using namespace syscribe;

const char* kHelp =
    "syscribe-runtime: an OCI runtime that records annotated containers with syscribe\n\n"
    "usage: syscribe-runtime [GLOBAL FLAGS] COMMAND [ARGS...]   (as runc or crun)\n\n"
    "Every command and flag goes to the real runtime unchanged. At 'create' or 'run' of a\n"
    "container annotated syscribe.dev/record=true, config.json is first rewritten: a static\n"
    "syscribe is bind-mounted at /dev/.syscribe/syscribe, process.args become\n"
    "'syscribe record -o /dev/.syscribe/evidence/NAME.evidence.json -- ARGS', the host directory\n"
    "EVIDENCE_DIR/NAME is mounted at /dev/.syscribe/evidence, and the container's seccomp\n"
    "filter is removed (said on stderr and in the log). Annotations: syscribe.dev/ready,\n"
    "ready-timeout, reload-signal, stop-signal (as 'syscribe record' options), results=true,\n"
    "name, evidence-dir.\n\n"
    "Configuration: $SYSCRIBE_RUNTIME_CONFIG, else syscribe-runtime.conf beside this program, else\n"
    "/etc/syscribe/runtime.conf; KEY = VALUE lines:\n"
    "  runtime = crun                      the real runtime (default: crun, else runc, on PATH)\n"
    "  syscribe = /usr/local/bin/syscribe-static   a statically linked syscribe (default: beside this program)\n"
    "  evidence-dir = /var/lib/syscribe/evidence   where evidence is written on the host\n"
    "  evidence-roots = /var/lib/syscribe          where syscribe.dev/evidence-dir may point (colon-separated)\n"
    "  log = /var/log/syscribe-runtime.log         notes about recorded containers\n"
    "See docs/kubernetes.md.\n";

std::string self_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, static_cast<size_t>(n));
  return p.substr(0, p.rfind('/'));
}

// The real runtime's path: as configured, or crun, else runc, on PATH; never this program.
std::string find_runtime(const std::string& configured) {
  if (!configured.empty() && configured.find('/') != std::string::npos) return configured;
  std::vector<std::string> names;
  if (!configured.empty())
    names = {configured};
  else
    names = {"crun", "runc"};
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string me = n > 0 ? std::string(self, static_cast<size_t>(n)) : "";
  const char* env = getenv("PATH");
  std::string path = env ? env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& name : names) {
    size_t start = 0;
    while (start <= path.size()) {
      size_t colon = path.find(':', start);
      std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
      start = colon == std::string::npos ? path.size() + 1 : colon + 1;
      if (dir.empty()) continue;
      std::string cand = dir + "/" + name;
      char real[4096];
      if (access(cand.c_str(), X_OK) != 0) continue;
      char* r = realpath(cand.c_str(), real);
      if (r && me == r) continue;
      return cand;
    }
  }
  throw Error(configured.empty() ? "no real OCI runtime: neither crun nor runc is on PATH (set runtime = in the configuration)"
                                 : fmt::format("the real runtime '{}' is not on PATH", configured));
}

void make_dirs(const std::string& dir, mode_t mode) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (mkdir(part.c_str(), mode) != 0 && errno != EEXIST) throw system_error(fmt::format("cannot create {}", part), errno);
  }
}

// Replaces `path` through a temporary file with the original's mode (config.json can hold
// secrets in process.env), then rename.
void replace_keeping_mode(const std::string& path, const std::string& text) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) throw system_error(fmt::format("cannot stat {}", path), errno);
  std::string tmp = path + ".syscribe-tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, st.st_mode & 07777);
  if (fd < 0) throw system_error(fmt::format("cannot create {}", tmp), errno);
  fchmod(fd, st.st_mode & 07777);
  size_t done = 0;
  while (done < text.size()) {
    ssize_t w = write(fd, text.data() + done, text.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) {
      int err = errno;
      close(fd);
      unlink(tmp.c_str());
      throw system_error(fmt::format("cannot write {}", tmp), err);
    }
    done += static_cast<size_t>(w);
  }
  if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    unlink(tmp.c_str());
    throw system_error(fmt::format("cannot replace {}", path), err);
  }
}

void note(const rt::RuntimeSettings& s, const std::string& id, const std::string& text) {
  std::cerr << "syscribe-runtime: " << text << "\n";
  std::string log = s.log.empty() ? s.record.evidence_dir + "/syscribe-runtime.log" : s.log;
  std::ofstream f(log, std::ios::app);
  if (!f) return;  // the note on stderr stands
  char when[32];
  time_t now = time(nullptr);
  struct tm tm {};
  strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
  f << when << " " << id << ": " << text << "\n";
}

// At create/run: the recording edit, when the container asks for it.
void prepare_bundle(const rt::RuntimeSettings& s, const rt::OciCall& call) {
  std::string path = call.bundle + "/config.json";
  std::string text = read_file(path);
  auto edit = rt::plan_recording(text, path, call.container_id, s.record);
  if (!edit) return;
  if (access(s.record.syscribe.c_str(), X_OK) != 0)
    throw system_error(fmt::format("{}: the static syscribe to mount into the container", s.record.syscribe), errno);
  make_dirs(edit->host_dir.substr(0, edit->host_dir.rfind('/')), 0755);
  if (mkdir(edit->host_dir.c_str(), 0700) != 0 && errno != EEXIST)
    throw system_error(fmt::format("cannot create {}", edit->host_dir), errno);
  if (chown(edit->host_dir.c_str(), edit->host_uid, edit->host_gid) != 0)
    throw system_error(fmt::format("cannot give {} to {}:{}", edit->host_dir, edit->host_uid, edit->host_gid), errno);
  replace_keeping_mode(path, edit->config);
  note(s, call.container_id,
       fmt::format("recording {}: evidence in {}/{}.evidence.json", call.container_id, edit->host_dir, edit->name));
  for (const auto& n : edit->notes) note(s, call.container_id, n);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << kHelp;
    return 0;
  }
  try {
    // $SYSCRIBE_RUNTIME_CONFIG, else syscribe-runtime.conf beside this program (a
    // self-contained install, as the Kubernetes installer makes), else /etc/syscribe.
    const char* env = getenv("SYSCRIBE_RUNTIME_CONFIG");
    std::string conf = env && *env ? env : self_dir() + "/syscribe-runtime.conf";
    if (!(env && *env) && access(conf.c_str(), F_OK) != 0) conf = rt::kDefaultConfig;
    rt::RuntimeSettings s = rt::read_settings(conf, self_dir());
    std::string real = find_runtime(s.runtime);
    rt::OciCall call = rt::parse_oci_call(args);
    if (call.command == "create" || call.command == "run") prepare_bundle(s, call);
    std::vector<char*> cargv;
    cargv.push_back(const_cast<char*>(real.c_str()));
    for (int i = 1; i < argc; ++i) cargv.push_back(argv[i]);
    cargv.push_back(nullptr);
    execv(real.c_str(), cargv.data());
    throw system_error(fmt::format("cannot run {}", real), errno);
  } catch (const Error& e) {
    std::cerr << "syscribe-runtime: " << e.what() << "\n";
    return e.exit_code();
  }
}
