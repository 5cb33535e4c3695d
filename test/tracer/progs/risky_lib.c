// A library that makes high-risk calls the program using it never asks for itself:
// what `record --stacks` must attribute to this library and this function.
#define _GNU_SOURCE
#include <sched.h>
#include <sys/mount.h>

__attribute__((noinline)) int tp_risky_prepare_sandbox(void) {
  // Both fail harmlessly (no such target; no flags), but the kernel sees each call.
  int a = mount("none", "/nonexistent-syscribe-target", "tmpfs", 0, 0);
  int b = unshare(0);
  return a + b;
}
