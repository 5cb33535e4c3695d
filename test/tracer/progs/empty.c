// Makes no syscall of its own: what is recorded is the loader and libc startup set.
int main(void) { return 0; }
