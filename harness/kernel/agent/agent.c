// netprops kernel agent: one process that serves every pod's ports and runs every probe, entering
// each pod's network namespace with setns(2) only to create a socket (a socket stays in the
// namespace it was created in). One epoll loop; commands on stdin, answers on stdout, one line each,
// fields separated by tabs. The protocol is documented in harness/kernel/agent.ts.
//
// Why one process: spawning `ip netns exec` per probe costs about 11 ms of CPU, and a Node process
// per pod about 42 MB (see the kernel-dataplane notes); this serves a 900-probe mesh in well under a
// second in a few MB.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

enum kind { K_STDIN, K_LISTEN, K_UDPSERVE, K_CONN, K_PROBE, K_DEAD };

struct netns {
  char name[96];
  int fd;
  struct netns *next;
};

struct ent {
  enum kind kind;
  int fd;
  int proto; // IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
  // listeners (K_LISTEN, K_UDPSERVE) and accepted connections (K_CONN)
  char ns[96];
  char ident[256];
  int port;
  struct ent *next_listener;
  // accepted connections: the request header and how many bytes arrived
  char head[32];
  size_t headlen;
  long want;
  long got;
  struct sockaddr_in peer;
  // probes
  char id[40];
  long long deadline;
  int connected;
  char *payload;
  size_t plen, sent;
  char reply[512];
  size_t rlen;
  struct ent *prev_probe, *next_probe;
};

static int epfd;
static int home_fd;
static struct netns *namespaces;
static struct ent *listeners;
static struct ent *probes;
static struct ent *graveyard;
static char scratch[70000];

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int ns_fd(const char *name) {
  for (struct netns *n = namespaces; n; n = n->next)
    if (strcmp(n->name, name) == 0) return n->fd;
  char path[160];
  snprintf(path, sizeof path, "/run/netns/%s", name);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  struct netns *n = calloc(1, sizeof *n);
  snprintf(n->name, sizeof n->name, "%s", name);
  n->fd = fd;
  n->next = namespaces;
  namespaces = n;
  return fd;
}

// Enter `name`; the caller returns home with leave() as soon as its socket exists.
static int enter(const char *name) {
  int fd = ns_fd(name);
  if (fd < 0) return -1;
  if (setns(fd, CLONE_NEWNET) < 0) return -1;
  return 0;
}

static void leave(void) {
  if (setns(home_fd, CLONE_NEWNET) < 0) {
    perror("setns home");
    exit(1);
  }
}

static void watch(struct ent *e, unsigned events) {
  struct epoll_event ev = {.events = events, .data.ptr = e};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, e->fd, &ev) < 0) {
    perror("epoll_ctl add");
    exit(1);
  }
}

static void rewatch(struct ent *e, unsigned events) {
  struct epoll_event ev = {.events = events, .data.ptr = e};
  epoll_ctl(epfd, EPOLL_CTL_MOD, e->fd, &ev);
}

static int proto_of(const char *s) {
  if (strcmp(s, "TCP") == 0) return IPPROTO_TCP;
  if (strcmp(s, "UDP") == 0) return IPPROTO_UDP;
  if (strcmp(s, "SCTP") == 0) return IPPROTO_SCTP;
  return -1;
}

static int socket_for(int proto) {
  int type = proto == IPPROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
  return socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
}

static void ok(const char *id, const char *value) {
  if (value) printf("K\t%s\t%s\n", id, value);
  else printf("K\t%s\n", id);
}

static void fail(const char *id, const char *what, int err) {
  printf("E\t%s\t%s: %s\n", id, what, strerror(err));
}

// ---- servers ----

static void cmd_serve(const char *id, const char *ns, const char *proto_s, const char *port_s, const char *ident) {
  int proto = proto_of(proto_s);
  if (proto < 0) return fail(id, "unknown protocol", EINVAL);
  if (enter(ns) < 0) return fail(id, ns, errno);
  int fd = socket_for(proto);
  int err = errno;
  leave();
  if (fd < 0) return fail(id, "socket", err);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (proto == IPPROTO_UDP) setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(atoi(port_s)), .sin_addr.s_addr = INADDR_ANY};
  if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || (proto != IPPROTO_UDP && listen(fd, 4096) < 0)) {
    err = errno;
    close(fd);
    return fail(id, "bind", err);
  }
  struct ent *e = calloc(1, sizeof *e);
  e->kind = proto == IPPROTO_UDP ? K_UDPSERVE : K_LISTEN;
  e->fd = fd;
  e->proto = proto;
  e->port = atoi(port_s);
  snprintf(e->ns, sizeof e->ns, "%s", ns);
  snprintf(e->ident, sizeof e->ident, "%s", ident);
  e->next_listener = listeners;
  listeners = e;
  watch(e, EPOLLIN);
  ok(id, NULL);
}

// Close every server socket opened in `ns`; with `forget`, also the namespace handle, which
// otherwise keeps a deleted namespace alive.
static void close_namespace(const char *ns, int forget) {
  struct ent **pp = &listeners;
  while (*pp) {
    struct ent *e = *pp;
    if (strcmp(e->ns, ns) == 0) {
      *pp = e->next_listener;
      epoll_ctl(epfd, EPOLL_CTL_DEL, e->fd, NULL);
      close(e->fd);
      // Freed after this round of events, which may still name it.
      e->kind = K_DEAD;
      e->next_listener = graveyard;
      graveyard = e;
    } else {
      pp = &e->next_listener;
    }
  }
  if (!forget) return;
  for (struct netns **np = &namespaces; *np; np = &(*np)->next) {
    if (strcmp((*np)->name, ns) == 0) {
      struct netns *n = *np;
      *np = n->next;
      close(n->fd);
      free(n);
      break;
    }
  }
}

static void answer_line(struct ent *l, const struct sockaddr_in *peer, char *out, size_t outlen) {
  char peer_s[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &peer->sin_addr, peer_s, sizeof peer_s);
  snprintf(out, outlen, "%s %d %s\n", l->ident, l->port, peer_s);
}

static void on_accept(struct ent *l) {
  for (;;) {
    struct sockaddr_in peer;
    socklen_t len = sizeof peer;
    int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    struct ent *c = calloc(1, sizeof *c);
    c->kind = K_CONN;
    c->fd = fd;
    c->proto = l->proto;
    c->port = l->port;
    c->peer = peer;
    c->want = -1;
    snprintf(c->ident, sizeof c->ident, "%s", l->ident);
    watch(c, EPOLLIN | EPOLLRDHUP);
  }
}

static void conn_close(struct ent *c) {
  epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  free(c);
}

// A request is "NP <length>\n" followed by filler up to <length> bytes; answer once all arrived.
static void on_conn(struct ent *c, unsigned events) {
  for (;;) {
    ssize_t n = read(c->fd, scratch, sizeof scratch);
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) return conn_close(c);
    for (ssize_t i = 0; i < n && c->headlen < sizeof c->head - 1 && c->want < 0; i++) {
      c->head[c->headlen++] = scratch[i];
      if (scratch[i] == '\n') c->want = strtol(c->head + 3, NULL, 10);
    }
    c->got += n;
  }
  if (c->want >= 0 && c->got >= c->want) {
    char out[400];
    answer_line(c, &c->peer, out, sizeof out);
    (void)!write(c->fd, out, strlen(out));
    return conn_close(c);
  }
  if (events & (EPOLLHUP | EPOLLERR)) conn_close(c);
}

static void on_datagram(struct ent *l) {
  for (;;) {
    struct sockaddr_in peer;
    char cbuf[256];
    struct iovec iov = {.iov_base = scratch, .iov_len = sizeof scratch};
    struct msghdr m = {.msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = &iov, .msg_iovlen = 1,
                       .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(l->fd, &m, 0);
    if (n < 0) return;
    struct in_addr to = {0};
    for (struct cmsghdr *h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
      if (h->cmsg_level == IPPROTO_IP && h->cmsg_type == IP_PKTINFO) to = ((struct in_pktinfo *)CMSG_DATA(h))->ipi_addr;
    char out[400];
    answer_line(l, &peer, out, sizeof out);
    // Answer from the address the datagram was sent to, as a well-behaved UDP server does.
    char obuf[CMSG_SPACE(sizeof(struct in_pktinfo))];
    memset(obuf, 0, sizeof obuf);
    struct iovec oiov = {.iov_base = out, .iov_len = strlen(out)};
    struct msghdr om = {.msg_name = &peer, .msg_namelen = sizeof peer, .msg_iov = &oiov, .msg_iovlen = 1,
                        .msg_control = obuf, .msg_controllen = sizeof obuf};
    struct cmsghdr *h = CMSG_FIRSTHDR(&om);
    h->cmsg_level = IPPROTO_IP;
    h->cmsg_type = IP_PKTINFO;
    h->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
    ((struct in_pktinfo *)CMSG_DATA(h))->ipi_spec_dst = to;
    sendmsg(l->fd, &om, 0);
  }
}

// ---- probes ----

static const char *outcome_of(int err) {
  switch (err) {
  case ECONNREFUSED:
  case ECONNRESET:
  case EPERM:
  case EACCES:
    return "refused";
  case ETIMEDOUT:
    return "timeout";
  case EPROTONOSUPPORT:
  case ESOCKTNOSUPPORT:
    return "unsupported";
  default:
    return "unreachable";
  }
}

static void probe_done(struct ent *p, const char *outcome, const char *detail) {
  // R id outcome detail backend-ident backend-port sourceSeen replyFrom
  char ident[256] = "-", port[16] = "-", seen[64] = "-", from[64] = "-";
  if (strcmp(outcome, "delivered") == 0) {
    sscanf(p->reply, "%255s %15s %63s", ident, port, seen);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    if (p->proto == IPPROTO_UDP) a = p->peer;
    else getpeername(p->fd, (struct sockaddr *)&a, &len);
    inet_ntop(AF_INET, &a.sin_addr, from, sizeof from);
  }
  printf("R\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p->id, outcome, detail ? detail : "-", ident, port, seen, from);
  if (p->fd >= 0) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, p->fd, NULL);
    close(p->fd);
  }
  if (p->prev_probe) p->prev_probe->next_probe = p->next_probe;
  else probes = p->next_probe;
  if (p->next_probe) p->next_probe->prev_probe = p->prev_probe;
  free(p->payload);
  free(p);
}

static void probe_error(struct ent *p, int err) { probe_done(p, outcome_of(err), strerror(err)); }

static void probe_send(struct ent *p) {
  while (p->sent < p->plen) {
    ssize_t n = send(p->fd, p->payload + p->sent, p->plen - p->sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN) return rewatch(p, EPOLLOUT | EPOLLIN | EPOLLRDHUP);
      return probe_error(p, errno);
    }
    p->sent += n;
  }
  rewatch(p, EPOLLIN | EPOLLRDHUP);
}

static void cmd_probe(char **f) {
  // P id ns proto dst-ip dst-port src-port payload-bytes timeout-ms
  struct ent *p = calloc(1, sizeof *p);
  p->kind = K_PROBE;
  p->fd = -1;
  snprintf(p->id, sizeof p->id, "%s", f[1]);
  p->deadline = now_ms() + atol(f[8]);
  p->next_probe = probes;
  if (probes) probes->prev_probe = p;
  probes = p;
  p->proto = proto_of(f[3]);
  if (p->proto < 0) return probe_done(p, "unsupported", "unknown protocol");
  long plen = atol(f[7]);
  char head[32];
  int hl = snprintf(head, sizeof head, "NP %ld\n", plen);
  if (plen < hl) plen = hl;
  p->plen = plen;
  p->payload = malloc(plen);
  memset(p->payload, 'x', plen);
  snprintf(head, sizeof head, "NP %ld\n", plen);
  memcpy(p->payload, head, strlen(head));
  if (enter(f[2]) < 0) return probe_error(p, errno);
  p->fd = socket_for(p->proto);
  int err = errno;
  leave();
  if (p->fd < 0) return probe_error(p, err);
  int one = 1;
  if (p->proto == IPPROTO_UDP) setsockopt(p->fd, IPPROTO_IP, IP_RECVERR, &one, sizeof one);
  int sport = atoi(f[6]);
  if (sport > 0) {
    setsockopt(p->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in s = {.sin_family = AF_INET, .sin_port = htons(sport), .sin_addr.s_addr = INADDR_ANY};
    if (bind(p->fd, (struct sockaddr *)&s, sizeof s) < 0) return probe_error(p, errno);
  }
  struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons(atoi(f[5]))};
  if (inet_pton(AF_INET, f[4], &d.sin_addr) != 1) return probe_done(p, "unreachable", "not an IPv4 address");
  watch(p, EPOLLOUT | EPOLLIN | EPOLLRDHUP);
  if (p->proto == IPPROTO_UDP) {
    p->connected = 1;
    if (sendto(p->fd, p->payload, p->plen, 0, (struct sockaddr *)&d, sizeof d) < 0) return probe_error(p, errno);
    p->sent = p->plen;
    rewatch(p, EPOLLIN);
    return;
  }
  if (connect(p->fd, (struct sockaddr *)&d, sizeof d) < 0 && errno != EINPROGRESS) return probe_error(p, errno);
}

static void on_probe(struct ent *p, unsigned events) {
  if (!p->connected) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return probe_error(p, err);
    if (!(events & EPOLLOUT)) return;
    p->connected = 1;
    return probe_send(p);
  }
  if (p->proto == IPPROTO_UDP) {
    if (events & EPOLLERR) {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) return probe_error(p, err);
    }
    socklen_t len = sizeof p->peer;
    ssize_t n = recvfrom(p->fd, p->reply, sizeof p->reply - 1, 0, (struct sockaddr *)&p->peer, &len);
    if (n < 0) {
      if (errno == EAGAIN) return;
      return probe_error(p, errno);
    }
    p->reply[n] = 0;
    return probe_done(p, "delivered", NULL);
  }
  if (p->sent < p->plen && (events & EPOLLOUT)) probe_send(p);
  for (;;) {
    ssize_t n = read(p->fd, p->reply + p->rlen, sizeof p->reply - 1 - p->rlen);
    if (n < 0) {
      if (errno == EAGAIN) return;
      return probe_error(p, errno);
    }
    p->rlen += n;
    p->reply[p->rlen] = 0;
    if (memchr(p->reply, '\n', p->rlen)) return probe_done(p, "delivered", NULL);
    if (n == 0 || p->rlen >= sizeof p->reply - 1)
      return probe_done(p, "refused", "connection closed without an answer");
  }
}

static void expire_probes(void) {
  long long t = now_ms();
  struct ent *p = probes;
  while (p) {
    struct ent *next = p->next_probe;
    if (p->deadline <= t) probe_done(p, "timeout", p->connected ? "connected, no answer" : "no answer");
    p = next;
  }
}

static int next_timeout(void) {
  if (!probes) return -1;
  long long t = now_ms(), min = -1;
  for (struct ent *p = probes; p; p = p->next_probe)
    if (min < 0 || p->deadline < min) min = p->deadline;
  return min <= t ? 0 : (int)(min - t);
}

// ---- namespace chores ----

static void cmd_ifaddr(const char *id, const char *ns, const char *ifname) {
  if (enter(ns) < 0) return fail(id, ns, errno);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq r = {0};
  snprintf(r.ifr_name, IFNAMSIZ, "%s", ifname);
  int rc = fd < 0 ? -1 : ioctl(fd, SIOCGIFADDR, &r);
  int err = errno;
  if (fd >= 0) close(fd);
  leave();
  if (rc < 0) return fail(id, ifname, err);
  char s[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &((struct sockaddr_in *)&r.ifr_addr)->sin_addr, s, sizeof s);
  ok(id, s);
}

static void cmd_up(const char *id, const char *ns, const char *ifname) {
  if (enter(ns) < 0) return fail(id, ns, errno);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  struct ifreq r = {0};
  snprintf(r.ifr_name, IFNAMSIZ, "%s", ifname);
  int rc = fd < 0 ? -1 : ioctl(fd, SIOCGIFFLAGS, &r);
  if (rc == 0) {
    r.ifr_flags |= IFF_UP;
    rc = ioctl(fd, SIOCSIFFLAGS, &r);
  }
  int err = errno;
  if (fd >= 0) close(fd);
  leave();
  if (rc < 0) return fail(id, ifname, err);
  ok(id, NULL);
}

// Network sysctls under /proc/sys/net belong to the namespace of the process that opens them.
static void cmd_sysctl(const char *id, const char *ns, const char *key, const char *value) {
  char path[256];
  snprintf(path, sizeof path, "/proc/sys/%s", key);
  for (char *c = path + 10; *c; c++)
    if (*c == '.') *c = '/';
  if (enter(ns) < 0) return fail(id, ns, errno);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  int err = errno;
  ssize_t n = fd < 0 ? -1 : write(fd, value, strlen(value));
  if (n < 0) err = errno;
  if (fd >= 0) close(fd);
  leave();
  if (n < 0) return fail(id, path, err);
  ok(id, NULL);
}

// ---- commands ----

static void command(char *line) {
  char *f[12] = {0};
  int n = 0;
  for (char *s = strtok(line, "\t"); s && n < 12; s = strtok(NULL, "\t")) f[n++] = s;
  if (n < 2) return;
  switch (f[0][0]) {
  case 'S': // S id ns proto port ident
    if (n == 6) return cmd_serve(f[1], f[2], f[3], f[4], f[5]);
    break;
  case 'U': // U id ns: stop serving in ns
    if (n == 3) return close_namespace(f[2], 0), ok(f[1], NULL);
    break;
  case 'F': // F id ns: stop serving and forget ns before it is deleted
    if (n == 3) return close_namespace(f[2], 1), ok(f[1], NULL);
    break;
  case 'P':
    if (n == 9) return cmd_probe(f);
    break;
  case 'A': // A id ns ifname
    if (n == 4) return cmd_ifaddr(f[1], f[2], f[3]);
    break;
  case 'L': // L id ns ifname
    if (n == 4) return cmd_up(f[1], f[2], f[3]);
    break;
  case 'W': // W id ns key value
    if (n == 5) return cmd_sysctl(f[1], f[2], f[3], f[4]);
    break;
  }
  fail(f[1], "bad command", EINVAL);
}

static char inbuf[1 << 20];
static size_t inlen;

static void on_stdin(void) {
  ssize_t n = read(0, inbuf + inlen, sizeof inbuf - inlen);
  if (n <= 0) exit(0); // the harness went away: so do we, and our sockets with us
  inlen += n;
  char *start = inbuf, *nl;
  while ((nl = memchr(start, '\n', inbuf + inlen - start))) {
    *nl = 0;
    command(start);
    start = nl + 1;
  }
  inlen = inbuf + inlen - start;
  memmove(inbuf, start, inlen);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: agent <home-netns-name>\n");
    return 2;
  }
  // Die with the harness, so that no socket of ours keeps a deleted namespace alive.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) return 1;
  signal(SIGPIPE, SIG_IGN);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  // Live in the run's own namespace, where `ip netns pids` finds us.
  home_fd = ns_fd(argv[1]);
  if (home_fd < 0 || setns(home_fd, CLONE_NEWNET) < 0) {
    perror(argv[1]);
    return 1;
  }
  setvbuf(stdout, NULL, _IOFBF, 1 << 16);
  epfd = epoll_create1(EPOLL_CLOEXEC);
  struct ent in = {.kind = K_STDIN, .fd = 0};
  fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
  watch(&in, EPOLLIN);
  printf("K\tready\n");
  fflush(stdout);
  struct epoll_event evs[256];
  for (;;) {
    int n = epoll_wait(epfd, evs, 256, next_timeout());
    for (int i = 0; i < n; i++) {
      struct ent *e = evs[i].data.ptr;
      switch (e->kind) {
      case K_STDIN:
        on_stdin();
        break;
      case K_LISTEN:
        on_accept(e);
        break;
      case K_UDPSERVE:
        on_datagram(e);
        break;
      case K_CONN:
        on_conn(e, evs[i].events);
        break;
      case K_PROBE:
        on_probe(e, evs[i].events);
        break;
      case K_DEAD:
        break;
      }
    }
    while (graveyard) {
      struct ent *e = graveyard;
      graveyard = e->next_listener;
      free(e);
    }
    expire_probes();
    fflush(stdout);
  }
}
