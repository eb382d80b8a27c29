/*
 * The protocols of the messages the kernel sends and sigma0 answers (spec
 * 2.2, 6.2-6.4, 7, 10.1): the one definition for the kernel, libl4
 * (l4/message.h), sigma0 and the operating system.
 *
 * Such a message's label is its protocol number N (negative) shifted left
 * by 4; the low 4 bits carry details (a fault's access rwx). Receivers
 * compare label >> 4, MR0 bits 20-63 read as a signed number, with N.
 *
 *   MR0   63                       20 19     16 15   12 11    6 5     0
 *        [ N (44 bits, sign-extended) | detail  | flags |   t   |   u   ]
 *        \______________ label (48 bits) _______/
 */
#pragma once

#define PROTO_INTERRUPT     (-1)        /* an interrupt line's message, u = 0 */
#define PROTO_PAGEFAULT     (-2)        /* detail: access rwx; MR1 address, MR2 IP */
#define PROTO_PREEMPTION    (-3)        /* MR1 clock low, MR2 clock high */
#define PROTO_EXCEPTION     (-5)        /* the exception message (exception_msg.c) */
#define PROTO_SIGMA0        (-6)        /* a request to sigma0 */
#define PROTO_IO_PAGEFAULT  (-8)        /* detail: access rw (6); MR1 the I/O fpage */
#define PROTO_SIGMA0_EXT    (-1001)     /* Pecan's sigma0 extensions */

/* The 48-bit label that starts protocol n (its detail bits 0). */
#ifdef __ASSEMBLER__
#define PROTO_LABEL(n)      (((n) << 4) & 0xFFFFFFFFFFFF)
#else
#define PROTO_LABEL(n)      (((unsigned long)(long)(n) << 4) & 0xFFFFFFFFFFFFUL)
#endif
