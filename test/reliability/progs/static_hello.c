/* Linked statically: no loader, no libc.so; the tracer must see its calls all the same. */
#include <unistd.h>

int main(void) {
  write(1, "static hello\n", 13);
  return getppid() > 0 ? 0 : 1;
}
