// A child killed by SIGKILL while blocked, then reaped; the parent dies of SIGTERM.
#include <signal.h>
#include <sys/wait.h>
#include "announce.h"

int main(void) {
  announce("expect native:write native:clone native:pause native:kill native:wait4 native:pipe2 "
           "native:clock_nanosleep native:getpid native:gettid native:tgkill");
  int p[2];
  if (pipe(p) != 0) return 1;
  pid_t c = fork();
  if (c == 0) {
    close(p[0]);
    close(p[1]);
    pause();
    _exit(0);
  }
  usleep(20000);
  kill(c, SIGKILL);
  int st;
  waitpid(c, &st, 0);
  if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL) return 1;
  raise(SIGTERM);
  return 0;
}
