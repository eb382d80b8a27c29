/* Every X.2 ABI format of common/include/pecan, for Pecan's own programs
 * (sigma0, the OS, the Unix server, the benchmarks). libl4's public
 * headers do not include these: an X.2 program sees only L4_ names, so
 * none of its own macros can collide with ours (tests/host/test_abi.c
 * checks that libl4 builds the same words). */
#pragma once
#include "pecan/exreg.h"
#include "pecan/fpage.h"
#include "pecan/ipcerror.h"
#include "pecan/items.h"
#include "pecan/kip.h"
#include "pecan/msgtag.h"
#include "pecan/protocol.h"
#include "pecan/schedule.h"
#include "pecan/spacectl.h"
#include "pecan/threadid.h"
#include "pecan/time.h"
