#ifndef DOCKGATE_CLINUX_SHIM_H
#define DOCKGATE_CLINUX_SHIM_H
// Linux interfaces that Swift's Glibc module does not import: signalfd(2) and its record, and
// epoll(7) for the event loops' pollers.
#include <sys/signalfd.h>
#include <sys/epoll.h>
#endif
