// Kernel receive timestamps for the agent's raw ICMP sockets (Linux).
//
// raw-socket reads replies with recvfrom(), so the agent could only time a reply when its event
// loop got round to it (tens to hundreds of microseconds late on a busy host). iputils ping uses
// the kernel's receive timestamp instead. This addon gives the agent the same: it finds the raw
// socket raw-socket opened, switches on receive timestamps, and after each read returns the
// kernel's timestamp of the packet just read (SIOCGSTAMPNS), with CLOCK_REALTIME for the send side.
// It also carries trimHeap() (malloc_trim), the one other libc call the agent needs and Node lacks.
#include <errno.h>
#include <linux/sockios.h>
#include <malloc.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#define NAPI_VERSION 8
#include <node_api.h>

#define CHECK(call)                                                       \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error(env, NULL, "icmp_stamp: N-API call failed");       \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static napi_value make_double(napi_env env, double v) {
  napi_value out;
  if (napi_create_double(env, v, &out) != napi_ok) return NULL;
  return out;
}

static napi_value throw_errno(napi_env env, const char *what) {
  char message[160];
  snprintf(message, sizeof message, "%s: %s", what, strerror(errno));
  napi_throw_error(env, NULL, message);
  return NULL;
}

// isIcmpRaw(fd, family): whether fd is a raw ICMP (family 4) / ICMPv6 (family 6) socket.
static napi_value is_icmp_raw(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd, family;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &fd));
  CHECK(napi_get_value_int32(env, argv[1], &family));
  int type = 0, domain = 0, protocol = 0;
  socklen_t len = sizeof(int);
  int ok = getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) == 0;
  len = sizeof(int);
  ok = ok && getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0;
  len = sizeof(int);
  ok = ok && getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &len) == 0;
  ok = ok && type == SOCK_RAW &&
       (family == 4 ? (domain == AF_INET && protocol == IPPROTO_ICMP) : (domain == AF_INET6 && protocol == IPPROTO_ICMPV6));
  napi_value out;
  CHECK(napi_get_boolean(env, ok, &out));
  return out;
}

// The first argument as a descriptor; 0 with a pending JavaScript exception when it is not one.
static int fd_arg(napi_env env, napi_callback_info info, int32_t *fd) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_int32(env, argv[0], fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "icmp_stamp: expected a file descriptor");
    return 0;
  }
  return 1;
}

// enable(fd): the kernel records a receive timestamp for every packet read from fd.
// The first SIOCGSTAMPNS switches the socket to SOCK_TIMESTAMP: from then on each read stores the
// packet's receive time for the next SIOCGSTAMPNS. (Not SO_TIMESTAMPNS: with it the kernel puts the
// time only in a control message, which raw-socket's recvfrom drops, and the ioctl returns "now".)
static napi_value enable(napi_env env, napi_callback_info info) {
  int32_t fd;
  struct timespec ts;
  if (!fd_arg(env, info, &fd)) return NULL;
  if (ioctl(fd, SIOCGSTAMPNS, &ts) != 0 && errno != ENOENT) return throw_errno(env, "SIOCGSTAMPNS");
  return NULL;
}

// lastReceivedUs(fd): kernel receive time (epoch µs, CLOCK_REALTIME) of the last packet read from fd.
static napi_value last_received_us(napi_env env, napi_callback_info info) {
  int32_t fd;
  struct timespec ts;
  if (!fd_arg(env, info, &fd)) return NULL;
  if (ioctl(fd, SIOCGSTAMPNS, &ts) != 0) return throw_errno(env, "SIOCGSTAMPNS");
  return make_double(env, (double)ts.tv_sec * 1e6 + (double)(ts.tv_nsec / 1000));
}

// nowUs(): CLOCK_REALTIME in epoch µs, the clock of the kernel's receive timestamps.
static napi_value now_us(napi_env env, napi_callback_info info) {
  (void)info;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return make_double(env, (double)ts.tv_sec * 1e6 + (double)(ts.tv_nsec / 1000));
}

// trimHeap(): gives the malloc heap's free memory back to the kernel (glibc's malloc_trim(0): the
// free pages of every arena, not only the top of the main heap). glibc keeps what start-up freed
// (Nest's module scan, V8 compiling the bundle) as resident memory otherwise. Returns whether
// anything was released; false without glibc (e.g. musl, whose malloc returns memory by itself).
static napi_value trim_heap(napi_env env, napi_callback_info info) {
  (void)info;
  int released = 0;
#ifdef __GLIBC__
  released = malloc_trim(0);
#endif
  napi_value out;
  CHECK(napi_get_boolean(env, released, &out));
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"isIcmpRaw", NULL, is_icmp_raw, NULL, NULL, NULL, napi_default, NULL},
      {"enable", NULL, enable, NULL, NULL, NULL, napi_default, NULL},
      {"lastReceivedUs", NULL, last_received_us, NULL, NULL, NULL, napi_default, NULL},
      {"nowUs", NULL, now_us, NULL, NULL, NULL, napi_default, NULL},
      {"trimHeap", NULL, trim_heap, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
