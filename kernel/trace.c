// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tracepoints of p2pmap, declared in trace.h.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
