#ifndef DOCKGATE_CLINUX_SHIM_H
#define DOCKGATE_CLINUX_SHIM_H
// Linux interfaces that Swift's Glibc module does not import: signalfd(2) and its record,
// epoll(7) for the event loops' pollers, and glibc's mallopt(3).
#include <sys/signalfd.h>
#include <sys/epoll.h>
#include <malloc.h>
#endif
