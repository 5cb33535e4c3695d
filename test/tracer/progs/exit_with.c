// Exits with the status given, or dies of the signal given as -N.
#include <signal.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  int v = argc > 1 ? atoi(argv[1]) : 0;
  if (v < 0) raise(-v);
  return v;
}
