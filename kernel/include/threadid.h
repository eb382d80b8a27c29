/* Thread identifiers (spec 2.1; pecan/threadid.h draws them). */
#pragma once
#include "types.h"
#include "pecan/threadid.h"

static inline bool tid_is_local(word_t id)   { return (id & TID_LOCAL_MASK) == 0; }
static inline bool tid_is_global(word_t id)  { return (id & TID_LOCAL_MASK) != 0; }
static inline word_t tid_number(word_t id)   { return TID_NUMBER(id); }
static inline word_t tid_version(word_t id)  { return TID_VERSION(id); }
static inline word_t tid_make(word_t number, word_t version) { return TID_GLOBAL(number, version); }
