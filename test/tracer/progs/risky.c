#include "announce.h"

int tp_risky_prepare_sandbox(void);

__attribute__((noinline)) static int start_service(void) { return tp_risky_prepare_sandbox(); }

int main(void) {
  announce("expect native:mount native:unshare");
  return start_service() == 42;  // never 42: exit 0
}
