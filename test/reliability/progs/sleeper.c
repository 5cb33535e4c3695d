/* Sleeps SECONDS (default 30) in small steps, for tests that signal or kill the recorder. */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char** argv) {
  int ms = (argc > 1 ? atoi(argv[1]) : 30) * 1000;
  for (int i = 0; i < ms / 20; i++) usleep(20000);
  return 0;
}
