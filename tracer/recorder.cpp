#include "tracer/recorder.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <linux/seccomp.h>
#include <mutex>
#include <pthread.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <unordered_map>
#include <unordered_set>

#include <fmt/format.h>

#include "core/error.h"
#include "core/host.h"
#include "tracer/aggregate.h"
#include "tracer/attach.h"
#include "tracer/launch.h"
#include "tracer/notify_loop.h"
#include "tracer/proc_info.h"
#include "tracer/stacks.h"
#include "tracer/terminal.h"
#include "tracer/wait_status.h"

namespace syscribe::tracer {

namespace {

// How a stopped tracee goes on. Every resumption goes through Impl::resume.
enum class Resume {
  cont,     // PTRACE_CONT: run until the next seccomp stop, event or signal
  syscall,  // PTRACE_SYSCALL: also stop at the next syscall entry or exit
  listen,   // PTRACE_LISTEN: stay in group-stop, but report SIGCONT and events
  detach,   // PTRACE_DETACH: let go (with the pending signal, if any)
};

// Signals the recorder itself handles. Handlers only set bits: the main loop acts.
constexpr int kHandled[] = {SIGALRM, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
// Signals forwarded to the launched main process (the rest of kHandled but SIGALRM).
constexpr int kForwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
// Signals that make an attach-mode recording detach.
constexpr int kDetachOn[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

std::atomic<uint64_t> g_signals{0};

void on_signal(int sig) { g_signals.fetch_or(uint64_t{1} << sig, std::memory_order_relaxed); }

uint64_t bit(int sig) { return uint64_t{1} << sig; }

// True when sig is pending for the process (shared or its leader's own queue).
bool signal_pending(pid_t pid, int sig) {
  FILE* f = fopen(fmt::format("/proc/{}/status", pid).c_str(), "r");
  if (!f) return false;
  char line[256];
  bool pending = false;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, "SigPnd:", 7) == 0 || strncmp(line, "ShdPnd:", 7) == 0) {
      unsigned long long mask = strtoull(line + 7, nullptr, 16);
      if (mask & (1ull << (sig - 1))) pending = true;
    }
  }
  fclose(f);
  return pending;
}

// Exes of the ancestors of `pid` (parent first), for processes we did not see start.
std::vector<std::string> ancestors_from_proc(pid_t pid) {
  std::vector<std::string> chain;
  pid_t p = read_task_status(pid).ppid;
  for (int depth = 0; p > 1 && depth < 8; ++depth) {
    std::string exe = read_exe(p);
    chain.push_back(exe.empty() ? fmt::format("[{}]", read_comm(p)) : exe);
    p = read_task_status(p).ppid;
  }
  return chain;
}

// The launch filter for the notify engine: what the ptrace engine's filter sends to the
// tracer (SECCOMP_RET_TRACE) goes to the listener instead.
std::vector<sock_filter> notifying(std::vector<sock_filter> filter) {
  for (auto& insn : filter)
    if (insn.code == (BPF_RET | BPF_K) && (insn.k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_TRACE)
      insn.k = SECCOMP_RET_USER_NOTIF;
  return filter;
}

}  // namespace

// A process (thread group) being traced.
struct Proc {
  pid_t tgid = 0;
  Identity* id = nullptr;           // nullptr only for the launched child before its exec
  std::vector<std::string> chain;   // exes of the parent, grandparent, ...
  int threads = 0;
  bool launching = false;           // syscribe's child, not yet the workload
  // The launched child's last syscall before exec (its execve), recorded once the
  // workload's identity is known at PTRACE_EVENT_EXEC.
  bool has_stash = false;
  SyscallStop stash;
  double stash_time = 0;
  uint32_t stash_phase = 0;
  PrereadStrings stash_strings;
};

// A thread being traced.
struct Tracee {
  pid_t tid = 0;
  Proc* proc = nullptr;
  Counter* pending = nullptr;  // entry recorded, waiting for the exit stop (--results)
  bool announced = false;      // its creator's fork/clone event has been handled
  bool group_stopped = false;  // last resumed with PTRACE_LISTEN: in a group stop
};

// One notification on its way, between its answer and its count (notify engine).
struct PendingNote {
  SyscallStop stop;
  PrereadStrings strings;
  Identity* id = nullptr;
  uint32_t phase = 0;
  double time = 0;
  pid_t tid = 0;
  bool record = false;
  bool unknown_arch = false;
};

struct Recorder::Impl {
  RecordOptions opt;
  PhaseClock clock;
  Aggregator agg;
  Terminal term;
  bool seccomp_mode = true;
  // The notify engine: syscalls arrive on notify_loop's thread; ptrace still reports the
  // process tree here. `mu` guards the tracee tables and the aggregate between the two.
  bool notify_mode = false;
  std::unique_ptr<NotifyLoop> notify_loop;
  std::mutex mu;
  PendingNote note;  // the notification thread's own
  std::atomic<bool> warned_listener{false};
  std::string fallback;  // why the notify engine was not used where it would have been
  bool attach_mode = false;
  Resume normal = Resume::cont;       // after events, signals, exit stops
  Resume after_entry = Resume::cont;  // after a syscall entry (seccomp) stop
  std::string started;

  std::unordered_map<pid_t, Tracee> tracees;
  std::unordered_map<pid_t, std::unique_ptr<Proc>> procs;
  std::unordered_map<pid_t, pid_t> spawned_by;  // new task -> creating process
  // Tasks whose exit was reported before their creator's fork/clone event was handled
  // (a short-lived child often is): that late event must not bring them back.
  std::unordered_set<pid_t> gone_early;
  Tracee* last = nullptr;                      // the tracee of the previous stop
  uint64_t processes_seen = 0;

  pid_t main = -1;
  int exit_status = 0;
  bool detaching = false;
  bool detached = false;
  bool no_children = false;

  // Requests to the main loop, from signal handlers or other threads.
  std::atomic<bool> detach_requested{false};
  std::atomic<uint64_t> signal_requests{0};
  bool killing_all = false;  // SIGKILL was asked for: every new task gets it too
  pthread_t loop_thread{};
  // Whether request_*() may wake the loop with SIGALRM: only while run() keeps our handler.
  std::mutex wake_mu;
  bool started_loop = false;  // guarded by wake_mu
  std::vector<std::pair<int, struct sigaction>> saved_actions;

  // Settling: things done once waitpid has nothing more to report right now.
  int suspend_sig = 0;              // the main process group-stopped: stop syscribe too
  uint64_t forward_pending = 0;     // signals to pass on to the main process
  uint64_t main_got = 0;            // signals the main process received since requested
  uint64_t passed_on = 0;           // signals syscribe passed on to the main process
  double settle_deadline = 0;
  double last_tick = 0;
  std::function<void()> on_tick;

  explicit Impl(RecordOptions o) : opt(std::move(o)), clock(opt.first_phase, "launch") {}

  // ---- the one resume function -------------------------------------------------
  void resume(Tracee& t, Resume how, int sig = 0) {
    t.group_stopped = how == Resume::listen;
    long r = 0;
    switch (how) {
      case Resume::cont: r = ptrace(PTRACE_CONT, t.tid, nullptr, sig); break;
      case Resume::syscall: r = ptrace(PTRACE_SYSCALL, t.tid, nullptr, sig); break;
      case Resume::listen: r = ptrace(PTRACE_LISTEN, t.tid, nullptr, nullptr); break;
      case Resume::detach: r = ptrace(PTRACE_DETACH, t.tid, nullptr, sig); break;
    }
    // ESRCH: killed meanwhile (SIGKILL needs no tracer); its exit is still reported.
    (void)r;
  }

  // ---- the one waitpid call site ------------------------------------------------
  // Returns false when nothing is to be reported now (nohang), or on EINTR/ECHILD.
  bool next_event(bool nohang, WaitStatus& w) {
    int status = 0;
    pid_t pid = waitpid(-1, &status, __WALL | (nohang ? WNOHANG : 0));
    if (pid > 0) {
      w = classify(pid, status);
      return true;
    }
    if (pid < 0 && errno == ECHILD) no_children = true;
    else if (pid < 0 && errno != EINTR) throw system_error("waitpid", errno);
    return false;
  }

  // ---- tracee bookkeeping ---------------------------------------------------------
  Proc& new_proc(pid_t tgid, pid_t tid, const TaskStatus& st) {
    auto p = std::make_unique<Proc>();
    p->tgid = tgid;
    pid_t parent = st.ppid;
    if (auto it = spawned_by.find(tid); it != spawned_by.end()) {
      parent = it->second;
      spawned_by.erase(it);
    }
    auto pit = procs.find(parent);
    if (pit != procs.end() && pit->second->id) {
      // A fork runs its parent's program until it execs: same identity.
      Proc& pp = *pit->second;
      p->id = pp.id;
      p->chain.reserve(pp.chain.size() + 1);
      p->chain.push_back(pp.id->exe);
      p->chain.insert(p->chain.end(), pp.chain.begin(), pp.chain.end());
    } else {
      p->id = &agg.identity(read_exe(tgid), read_comm(tgid));
      p->chain = ancestors_from_proc(tgid);
      if (p->id->argvs.size() < ev::kMaxArgvs) p->id->argvs.insert(read_cmdline(tgid));
    }
    p->id->instances++;
    p->id->parent_chains.insert(p->chain);
    ++processes_seen;
    Proc& ref = *p;
    procs[tgid] = std::move(p);
    return ref;
  }

  Tracee& tracee(pid_t tid) {
    if (last && last->tid == tid) return *last;
    auto it = tracees.find(tid);
    if (it != tracees.end()) return *(last = &it->second);
    gone_early.erase(tid);  // a new task with a reused id
    TaskStatus st = read_task_status(tid);
    pid_t tgid = st.ok ? st.tgid : tid;
    auto pit = procs.find(tgid);
    Proc& p = pit != procs.end() ? *pit->second : new_proc(tgid, tid, st);
    Tracee& t = tracees[tid];
    t.tid = tid;
    t.proc = &p;
    p.threads++;
    return *(last = &t);
  }

  void forget(pid_t tid) {
    auto it = tracees.find(tid);
    if (it == tracees.end()) return;
    if (last == &it->second) last = nullptr;
    Proc* p = it->second.proc;
    tracees.erase(it);
    if (--p->threads <= 0) procs.erase(p->tgid);
  }

  // ---- stop handlers ----------------------------------------------------------------
  void on_exit(const WaitStatus& w) {
    if (w.pid == main) exit_status = w.kind == StopKind::exited ? w.code : 128 + w.sig;
    if (auto it = tracees.find(w.pid); it != tracees.end() && !it->second.announced) gone_early.insert(w.pid);
    forget(w.pid);
  }

  void on_syscall(Tracee& t, const SyscallStop& stop) {
    Proc& p = *t.proc;
    if (!stop.arch_known) {
      agg.count_unknown_arch();
      return;
    }
    if (p.launching) {
      // Syscribe's own child: only its last call (the exec) belongs to the workload.
      p.has_stash = true;
      p.stash = stop;
      p.stash_time = clock.now();
      p.stash_phase = clock.current();
      p.stash_strings = {};
      Aggregator::preread(stop, t.tid, p.stash_strings);
      return;
    }
    Counter& c = agg.record(*p.id, clock.current(), stop, clock.now(), t.tid);
    t.pending = &c;
    if (opt.stacks && c.count == 1 && c.info && c.info->risk >= sys::Risk::high && stop.arch == sys::host_arch())
      c.stack = stopped_stack(p.tgid, t.tid);
    if (opt.on_main_syscall && p.tgid == main) opt.on_main_syscall(stop);
  }

  void on_syscall_exit(Tracee& t, const SyscallStop& stop) {
    if (t.pending && stop.is_error && stop.rval < 0 && stop.rval > -4096)
      ++t.pending->errors[static_cast<int>(-stop.rval)];
    t.pending = nullptr;
  }

  void on_new_child(Tracee& t) {
    unsigned long msg = 0;
    if (ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg) != 0 || msg == 0) return;
    pid_t child = static_cast<pid_t>(msg);
    if (gone_early.erase(child)) return;  // it came and went before this event
    spawned_by[child] = t.proc->tgid;
    if (killing_all) kill(child, SIGKILL);
    Tracee& parent = t;
    tracee(child).announced = true;  // known now, so the loop waits for it even if it has not stopped yet
    last = &parent;
  }

  Tracee& on_exec(Tracee& t) {
    unsigned long former = 0;
    ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &former);
    // Exec from a non-leader thread: that thread now has the leader's tid; the old tid
    // vanishes without an exit report.
    if (former != 0 && static_cast<pid_t>(former) != t.tid) forget(static_cast<pid_t>(former));
    Tracee& now = tracee(t.tid);
    Proc& p = *now.proc;
    now.pending = nullptr;
    Identity& id = agg.identity(read_exe(p.tgid), read_comm(p.tgid));
    p.id = &id;
    id.instances++;
    if (id.argvs.size() < ev::kMaxArgvs) id.argvs.insert(read_cmdline(p.tgid));
    id.parent_chains.insert(p.chain);
    if (p.launching) {
      p.launching = false;
      if (p.has_stash) agg.record(id, p.stash_phase, p.stash, p.stash_time, p.tgid, &p.stash_strings);
      p.has_stash = false;
    }
    return now;
  }

  void on_signal_delivery(Tracee& t, int sig) {
    if (t.proc->tgid != main) return;
    main_got |= bit(sig);
    auto it = opt.signal_phases.find(sig);
    if (it != opt.signal_phases.end() && clock.current_name() != it->second)
      clock.switch_to(it->second, fmt::format("signal SIG{}", sigabbrev_np(sig)));
  }

  // ---- the notify engine's hot path (the notification thread) ----------------------
  // The caller waits in its syscall until the answer: strings are read now, the identity
  // and phase taken now; the call is counted once the answer was delivered.
  Response on_notification(const Notification& n) {
    Response r;
    r.kind = Response::Kind::proceed;
    PendingNote& pn = note;
    pn.record = pn.unknown_arch = false;
    pn.stop.op = StopOp::seccomp;
    pn.stop.nr = n.nr;
    pn.stop.args = n.args;
    pn.stop.arch_known = n.arch.has_value();
    pn.tid = n.pid;
    if (!n.arch) {
      pn.unknown_arch = true;
      return r;
    }
    pn.stop.arch = *n.arch;
    pn.strings = {};
    Aggregator::preread(pn.stop, n.pid, pn.strings);
    bool main_call = false;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = tracees.find(n.pid);
      Proc* p = it != tracees.end() ? it->second.proc : nullptr;
      if (p && p->launching) {
        // Syscribe's own child: only its exec belongs to the workload (see on_syscall).
        p->has_stash = true;
        p->stash = pn.stop;
        p->stash_time = clock.now();
        p->stash_phase = clock.current();
        p->stash_strings = pn.strings;
        return r;
      }
      // Every task is known from its first ptrace stop, which comes before its first
      // syscall; a task not in the table is one whose exit was seen meanwhile.
      pn.id = p && p->id ? p->id : &agg.identity(read_exe(n.pid), read_comm(n.pid));
      pn.phase = clock.current();
      pn.time = clock.now();
      pn.record = true;
      main_call = p && p->tgid == main;
    }
    warn_own_listener(n);
    if (main_call && opt.on_main_syscall) opt.on_main_syscall(pn.stop);
    return r;
  }

  void on_answered(const Notification&, bool delivered) {
    // Not delivered: a signal interrupted the call (the kernel notifies it again when it
    // restarts) or the caller died. Either way it is not counted now.
    if (!delivered) return;
    std::lock_guard<std::mutex> lock(mu);
    if (note.unknown_arch) agg.count_unknown_arch();
    else if (note.record) agg.record(*note.id, note.phase, note.stop, note.time, note.tid, &note.strings);
  }

  // A workload that asks for a seccomp listener of its own gets EBUSY from the kernel
  // while ours is in its filter chain: say so once, and how to record it.
  void warn_own_listener(const Notification& n) {
    const sys::SyscallInfo* info = sys::find(*n.arch, static_cast<int64_t>(n.nr));
    if (!info || info->name != "seccomp" || n.args[0] != SECCOMP_SET_MODE_FILTER ||
        !(n.args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER) || warned_listener.exchange(true))
      return;
    std::string exe = read_exe(n.pid);
    fmt::print(stderr,
               "syscribe record: warning: {} (pid {}) asks for a seccomp listener of its own, which the kernel "
               "refuses (EBUSY) under the notify engine; record it with --engine ptrace\n",
               exe.empty() ? read_comm(n.pid) : exe, n.pid);
  }

  // ---- the one dispatcher ----------------------------------------------------------
  void dispatch(const WaitStatus& w) {
    if (w.kind == StopKind::exited || w.kind == StopKind::killed) {
      on_exit(w);
      return;
    }
    Tracee* t = &tracee(w.pid);
    if (detaching) {
      resume(*t, Resume::detach, w.kind == StopKind::signal_delivery ? w.sig : 0);
      forget(w.pid);
      return;
    }
    SyscallStop stop;
    switch (w.kind) {
      case StopKind::seccomp:
        // Restart: PTRACE_CONT, or PTRACE_SYSCALL to see the result (--results).
        if (read_syscall_stop(t->tid, stop) && stop.op == StopOp::seccomp) on_syscall(*t, stop);
        resume(*t, after_entry);
        return;
      case StopKind::syscall:
        // Restart as before: ptrace-syscall mode keeps stopping at every entry and exit.
        if (read_syscall_stop(t->tid, stop)) {
          if (stop.op == StopOp::entry && !seccomp_mode) on_syscall(*t, stop);
          else if (stop.op == StopOp::exit) on_syscall_exit(*t, stop);
        }
        resume(*t, stop.op == StopOp::entry ? after_entry : normal);
        return;
      case StopKind::new_child:
        // Restart: the child is auto-attached and reports its own first stop.
        on_new_child(*t);
        resume(*t, normal);
        return;
      case StopKind::exec:
        t = &on_exec(*t);
        resume(*t, normal);
        return;
      case StopKind::group_stop:
        // Restart: PTRACE_LISTEN keeps it stopped (job control) but reports SIGCONT.
        if (t->proc->tgid == main && term.active()) suspend_sig = w.sig;
        resume(*t, Resume::listen);
        if (t->proc->tgid == main) wake_if_ending(*t);
        return;
      case StopKind::event_stop:
      case StopKind::other_event:
        resume(*t, normal);
        return;
      case StopKind::signal_delivery:
        // Restart with the signal: the tracee gets it unchanged.
        on_signal_delivery(*t, w.sig);
        resume(*t, normal, w.sig);
        return;
      case StopKind::exited:
      case StopKind::killed:
        return;
    }
  }

  // ---- requests from signals and other threads ---------------------------------------
  void start_detach() {
    if (detaching) return;
    detaching = true;
    detached = true;
    // Each tracee reports a stop for the interrupt, and is detached there.
    for (auto& [tid, t] : tracees) ptrace(PTRACE_INTERRUPT, tid, nullptr, nullptr);
  }

  void handle_requests() {
    uint64_t sigs = g_signals.exchange(0);
    uint64_t asked = signal_requests.exchange(0);
    if (detach_requested.exchange(false)) start_detach();
    // Requests (the lifecycle driver's reload and stop signals) go straight to the main
    // process; SIGKILL, the end of a stop timeout, ends the whole traced tree, as a
    // runtime stopping a container would.
    for (; asked && main > 0 && !attach_mode; asked &= asked - 1) {
      int s = __builtin_ctzll(asked);
      if (s == SIGKILL) {
        killing_all = true;
        for (const auto& [tgid, proc] : procs) kill(tgid, SIGKILL);
      } else {
        send_to_main(s);
      }
    }
    for (int s : kDetachOn)
      if (attach_mode && (sigs & bit(s))) start_detach();
    if (!attach_mode) {
      for (int s : kForwarded) {
        if (!(sigs & bit(s)) || main <= 0) continue;
        if (term.active()) {
          // The workload has its own group: nothing but us passed this signal on.
          send_to_main(s);
        } else {
          // Same process group: a signal sent to the group reached the main process
          // already. Decide once the queued stops are seen.
          forward_pending |= bit(s);
          main_got &= ~bit(s);
          settle_deadline = clock.now() + 0.05;
        }
      }
    }
    double now = clock.now();
    if (on_tick && now - last_tick >= opt.tick_seconds * 0.9) {
      last_tick = now;
      on_tick();
    }
  }

  // A signal passed on to the main process; see wake_main().
  void send_to_main(int sig) {
    kill(main, sig);
    passed_on |= bit(sig);
    wake_main(sig);
  }

  // A main process in a group stop (it raised SIGSTOP, as a debugger's child does) keeps a
  // signal meant to end it pending until SIGCONT: send one after it (continue_after()).
  void wake_main(int sig) {
    if (!continue_after(sig)) return;
    for (const auto& [tid, t] : tracees)
      if (t.proc && t.proc->tgid == main && t.group_stopped) {
        kill(main, SIGCONT);
        return;
      }
  }

  // The stop came after a signal meant to end the main process was passed on (it was still
  // in its signal-delivery stop for SIGSTOP then, so wake_main() saw no group stop): that
  // signal is pending and would stay so. Continue it, as wake_main() would have.
  void wake_if_ending(Tracee& t) {
    for (int s : kForwarded)
      if (continue_after(s) && (passed_on & bit(s)) && signal_pending(t.tid, s)) {
        kill(main, SIGCONT);
        return;
      }
  }

  void settle_suspend() {
    if (suspend_sig) {
      int sig = suspend_sig;
      suspend_sig = 0;
      term.suspend_and_resume(main, sig);
    }
  }

  void settle_forward() {
    if (forward_pending) {
      for (int s : kForwarded) {
        if (!(forward_pending & bit(s))) continue;
        if (!(main_got & bit(s)) && procs.count(main) && !signal_pending(main, s)) kill(main, s);
        passed_on |= bit(s);
        wake_main(s);  // also when the group's copy is the one pending
      }
      forward_pending = 0;
    }
  }

  // The tables are locked while they change or are read (never across the wait): the
  // notify engine's thread reads and counts into them.
  void loop() {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (tracees.empty()) break;
        if (g_signals.load(std::memory_order_relaxed) || signal_requests.load() || detach_requested.load())
          handle_requests();
      }
      bool nohang = suspend_sig || forward_pending;
      WaitStatus w;
      if (next_event(nohang, w)) {
        std::lock_guard<std::mutex> lock(mu);
        dispatch(w);
        if (forward_pending && clock.now() > settle_deadline) settle_forward();
        continue;
      }
      if (no_children) break;
      if (nohang) {
        settle_suspend();
        std::lock_guard<std::mutex> lock(mu);
        settle_forward();
      }
    }
    if (notify_loop) notify_loop->stop();
  }

  // ---- setup -----------------------------------------------------------------------------
  long ptrace_options() const {
    long o = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
             PTRACE_O_TRACEEXEC;
    if (seccomp_mode) o |= PTRACE_O_TRACESECCOMP;
    if (!attach_mode) o |= PTRACE_O_EXITKILL;
    return o;
  }

  void install_signal_handlers() {
    for (int s : kHandled) {
      struct sigaction sa {}, old{};
      sa.sa_handler = on_signal;
      sigemptyset(&sa.sa_mask);
      sa.sa_flags = 0;  // no SA_RESTART: waitpid returns EINTR so the loop can act
      sigaction(s, &sa, &old);
      saved_actions.emplace_back(s, old);
    }
    itimerval it{};
    it.it_interval.tv_usec = static_cast<suseconds_t>(opt.tick_seconds * 1e6);
    it.it_value = it.it_interval;
    setitimer(ITIMER_REAL, &it, nullptr);
  }

  void restore_signal_handlers() {
    itimerval off{};
    setitimer(ITIMER_REAL, &off, nullptr);
    for (auto& [s, old] : saved_actions) sigaction(s, &old, nullptr);
    saved_actions.clear();
  }

  void start_launch() {
    std::string path = resolve_command(opt.command[0]);
    // The notify engine has no exit stop (--results) and no registers (--stacks).
    bool needs_ptrace = opt.results || opt.stacks;
    if (opt.mode == Mode::notify && needs_ptrace)
      throw usage_error("--engine notify cannot see results (--results) or stacks (--stacks); use --engine ptrace");
    if (opt.mode == Mode::automatic) {
      seccomp_mode = prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0;
      notify_mode = seccomp_mode && !needs_ptrace;
    } else {
      seccomp_mode = opt.mode == Mode::seccomp || opt.mode == Mode::notify;
      notify_mode = opt.mode == Mode::notify;
    }
    if (seccomp_mode) {
      normal = Resume::cont;
      after_entry = opt.results ? Resume::syscall : Resume::cont;
    } else {
      normal = after_entry = Resume::syscall;
    }
    term.detect();
    LaunchSpec spec;
    spec.path = path;
    spec.argv = opt.command;
    if (seccomp_mode) spec.filter = opt.filter.empty() ? trace_all_filter() : opt.filter;
    if (notify_mode) {
      spec.listener = true;
      // Where the kernel refuses a listener (an old kernel, or one already in the chain),
      // `auto` records with ptrace's seccomp stops instead; `--engine notify` fails.
      if (opt.mode == Mode::automatic) spec.fallback = spec.filter;
      spec.filter = notifying(spec.filter);
    }
    spec.own_process_group = term.active();
    spec.stdout_fd = opt.stdout_fd;
    spec.stderr_fd = opt.stderr_fd;
    started = utc_now_iso();
    Launched child = spawn_child(spec);
    if (notify_mode) start_notify(child);
    if (ptrace(PTRACE_SEIZE, child.pid, nullptr, ptrace_options()) != 0) {
      int err = errno;
      kill(child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
      throw system_error("cannot trace the workload (PTRACE_SEIZE)", err);
    }
    // ptrace-syscall mode needs a first stop to switch to PTRACE_SYSCALL.
    if (!seccomp_mode) ptrace(PTRACE_INTERRUPT, child.pid, nullptr, nullptr);
    main = child.pid;
    auto p = std::make_unique<Proc>();
    p->tgid = main;
    p->launching = true;
    p->threads = 1;
    procs[main] = std::move(p);
    Tracee& t = tracees[main];
    t.tid = main;
    t.proc = procs[main].get();
    ++processes_seen;
    term.give_to(main);
    release_child(child);
  }

  // Takes the child's listener and starts answering it, before the child may exec.
  void start_notify(Launched& child) {
    int refused = 0;
    int fd = -1;
    try {
      fd = take_listener(child, refused);
    } catch (const Error&) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, nullptr, 0);
      throw;
    }
    if (fd < 0) {
      notify_mode = false;
      const char* name = strerrorname_np(refused);
      fallback = fmt::format("the kernel refused a seccomp listener ({}); recorded with ptrace's seccomp stops",
                             name ? name : strerror(refused));
      return;
    }
    notify_loop = std::make_unique<NotifyLoop>(
        fd, [this](const Notification& n) { return on_notification(n); },
        [this](const Notification& n, bool delivered) { on_answered(n, delivered); });
    notify_loop->set_sync_wakeup();
    notify_loop->start();
  }

  void start_attach() {
    attach_mode = true;
    if (opt.mode == Mode::seccomp || opt.mode == Mode::notify)
      throw usage_error("attach mode (-p) cannot install a seccomp filter; it uses ptrace-syscall");
    seccomp_mode = false;
    normal = after_entry = Resume::syscall;
    started = utc_now_iso();
    for (pid_t pid : opt.pids)
      for (pid_t tid : seize_process(pid, ptrace_options())) tracee(tid);
  }
};

Recorder::Recorder(RecordOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Recorder::~Recorder() { impl_->restore_signal_handlers(); }

void Recorder::start() {
  if (impl_->opt.command.empty() == impl_->opt.pids.empty())
    throw usage_error("give a command to launch or -p PID to attach to, not both");
  // Handlers first: a Ctrl-C during attach must not kill us with threads seized.
  impl_->install_signal_handlers();
  impl_->loop_thread = pthread_self();
  {
    std::lock_guard<std::mutex> lock(impl_->wake_mu);
    impl_->started_loop = true;
  }
  if (!impl_->opt.command.empty()) impl_->start_launch();
  else impl_->start_attach();
}

RecordResult Recorder::run(std::function<void()> on_tick) {
  impl_->on_tick = std::move(on_tick);
  impl_->loop();
  impl_->term.take_back();
  {
    // No wake-up is sent from now on; one already sent is taken here, blocked, so the
    // handler restored below (SIGALRM's default ends the process) never sees it.
    std::lock_guard<std::mutex> lock(impl_->wake_mu);
    impl_->started_loop = false;
  }
  sigset_t alrm, old;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &alrm, &old);
  impl_->restore_signal_handlers();
  timespec none{};
  while (sigtimedwait(&alrm, nullptr, &none) == SIGALRM) {
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  RecordResult r;
  r.exit_status = impl_->exit_status;
  r.mode = mode_name();
  r.detached = impl_->detached;
  r.fallback = impl_->fallback;
  return r;
}

void Recorder::request_detach() {
  impl_->detach_requested = true;
  std::lock_guard<std::mutex> lock(impl_->wake_mu);
  if (impl_->started_loop) pthread_kill(impl_->loop_thread, SIGALRM);
}

void Recorder::request_signal(int sig) {
  if (sig <= 0 || sig >= 64) return;
  impl_->signal_requests.fetch_or(bit(sig));
  std::lock_guard<std::mutex> lock(impl_->wake_mu);
  if (impl_->started_loop) pthread_kill(impl_->loop_thread, SIGALRM);
}

PhaseClock& Recorder::phases() { return impl_->clock; }
const PhaseClock& Recorder::phases() const { return impl_->clock; }

std::string Recorder::mode_name() const {
  if (impl_->notify_mode) return impl_->notify_loop && impl_->notify_loop->sync_wakeup() ? "notify-sync" : "notify";
  return impl_->seccomp_mode ? "seccomp" : "ptrace-syscall";
}
pid_t Recorder::main_pid() const { return impl_->main; }

ev::Evidence Recorder::evidence() const {
  ev::Evidence e = impl_->agg.to_evidence(impl_->clock);
  ev::Recording r;
  if (impl_->attach_mode) {
    for (pid_t p : impl_->opt.pids) r.command.push_back(fmt::format("pid:{}", p));
  } else {
    r.command = impl_->opt.command;
  }
  r.started = impl_->started;
  r.duration = impl_->clock.now();
  r.tool_version = SYSCRIBE_VERSION;
  r.mode = mode_name();
  r.host_kernel = kernel_release();
  r.host_arch = std::string(sys::arch_name(sys::host_arch()));
  r.exit_status = impl_->exit_status;
  r.marks = impl_->clock.marks();
  e.recordings.push_back(std::move(r));
  return e;
}

LiveStats Recorder::stats() const {
  LiveStats s;
  s.processes_alive = impl_->procs.size();
  s.processes_seen = impl_->processes_seen;
  s.syscalls = impl_->agg.total();
  s.distinct = impl_->agg.distinct();
  return s;
}

std::map<std::string, size_t> Recorder::distinct_per_arch() const { return impl_->agg.distinct_per_arch(); }

}  // namespace syscribe::tracer
