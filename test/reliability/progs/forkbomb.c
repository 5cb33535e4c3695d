/* A bounded fork bomb: a binary tree of processes DEPTH levels deep (default 11:
 * 2047 processes), each waiting for its two children. Exits 0 when every child did. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int grow(int depth) {
  if (depth <= 1) return 0;
  pid_t kids[2];
  for (int i = 0; i < 2; i++) {
    kids[i] = fork();
    if (kids[i] < 0) return 1;
    if (kids[i] == 0) _exit(grow(depth - 1));
  }
  int bad = 0;
  for (int i = 0; i < 2; i++) {
    int status;
    if (waitpid(kids[i], &status, 0) != kids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0) bad = 1;
  }
  return bad;
}

int main(int argc, char** argv) { return grow(argc > 1 ? atoi(argv[1]) : 11); }
