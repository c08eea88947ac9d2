#ifndef SKEWLESS_CLZ4_SHIM_H
#define SKEWLESS_CLZ4_SHIM_H
#include <lz4.h>
#endif
