#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include "announce.h"

int main(void) {
  announce("expect native:write native:socket:domain=0x2 native:socket:domain=0xa native:socket:domain=0x1 "
           "native:socket:domain=0x10 native:socket:type=0x80801 native:socketpair native:bind "
           "native:setsockopt native:close");
  int s4 = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(s4, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  bind(s4, (struct sockaddr*)&a4, sizeof a4);
  int s6 = socket(AF_INET6, SOCK_DGRAM, 0);
  int su = socket(AF_UNIX, SOCK_STREAM, 0);
  int sn = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
  int sp[2];
  socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
  close(s4);
  close(s6);
  close(su);
  close(sn);
  close(sp[0]);
  close(sp[1]);
  return 0;
}
