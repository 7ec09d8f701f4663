#ifndef DOCKGATE_CZLIB_SHIM_H
#define DOCKGATE_CZLIB_SHIM_H
#include <zlib.h>
#endif
